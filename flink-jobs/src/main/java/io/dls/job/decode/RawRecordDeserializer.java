package io.dls.job.decode;

import io.dls.contracts.FluentHeaders;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;

import java.nio.charset.StandardCharsets;

/** Copies a raw-topic record into a {@link RawRecord}; never fails, decoding comes later with a side output. */
public final class RawRecordDeserializer implements KafkaRecordDeserializationSchema<RawRecord> {

    @Override
    public void deserialize(ConsumerRecord<byte[], byte[]> r, Collector<RawRecord> out) {
        RawRecord raw = new RawRecord();
        raw.topic = r.topic();
        raw.partition = r.partition();
        raw.offset = r.offset();
        raw.tag = r.key() == null ? null : new String(r.key(), StandardCharsets.UTF_8);
        raw.timestamp = r.timestamp();
        Header time = r.headers().lastHeader(FluentHeaders.TIME);
        raw.time = time == null ? null : time.value();
        Header chunk = r.headers().lastHeader(FluentHeaders.CHUNK);
        raw.chunk = chunk == null ? null : new String(chunk.value(), StandardCharsets.UTF_8);
        raw.value = r.value();
        Header metadata = r.headers().lastHeader(FluentHeaders.METADATA);
        raw.metadata = metadata == null ? null : metadata.value();
        out.collect(raw);
    }

    @Override
    public TypeInformation<RawRecord> getProducedType() {
        return TypeInformation.of(RawRecord.class);
    }
}
