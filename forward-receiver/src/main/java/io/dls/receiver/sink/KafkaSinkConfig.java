package io.dls.receiver.sink;

import java.util.Map;
import java.util.Objects;

/**
 * @param bootstrapServers Kafka bootstrap servers
 * @param topic            the raw topic (contract 1)
 * @param sourceHeader     add the {@code fluent.source} header with the peer address
 * @param producer         any Kafka producer property (SASL, SSL, compression, ...); overrides the defaults
 */
public record KafkaSinkConfig(String bootstrapServers, String topic, boolean sourceHeader,
                              Map<String, String> producer) {
    public KafkaSinkConfig {
        Objects.requireNonNull(bootstrapServers, "kafka bootstrap servers");
        if (bootstrapServers.isBlank()) {
            throw new IllegalArgumentException("kafka.bootstrap_servers must not be empty");
        }
        if (topic == null || topic.isBlank() || !topic.matches("[a-zA-Z0-9._-]{1,249}")) {
            throw new IllegalArgumentException("kafka.topic '" + topic
                    + "' is not a valid Kafka topic name (letters, digits, '.', '_', '-')");
        }
        producer = Map.copyOf(producer == null ? Map.of() : producer);
    }
}
