package io.dls.job.route;

import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.kafka.clients.producer.ProducerRecord;

import java.nio.charset.StandardCharsets;

/** Each {@link Output} to its own topic, keyed (so one service's events keep their order in a partition). */
public final class OutputSerializer implements KafkaRecordSerializationSchema<Output> {
    @Override
    public ProducerRecord<byte[], byte[]> serialize(Output o, KafkaSinkContext ctx, Long timestamp) {
        return new ProducerRecord<>(o.topic, null, timestamp,
                o.key == null ? null : o.key.getBytes(StandardCharsets.UTF_8), o.value);
    }
}
