package io.dls.job.index;

import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/** Copies a record of all_logs or alerts; never fails: what is not JSON is told apart later, with a reason. */
public final class IndexInputDeserializer implements KafkaRecordDeserializationSchema<IndexInput> {
    @Override
    public void deserialize(ConsumerRecord<byte[], byte[]> r, Collector<IndexInput> out) {
        out.collect(new IndexInput(r.topic(), r.value(), r.timestamp()));
    }

    @Override
    public TypeInformation<IndexInput> getProducedType() {
        return TypeInformation.of(IndexInput.class);
    }
}
