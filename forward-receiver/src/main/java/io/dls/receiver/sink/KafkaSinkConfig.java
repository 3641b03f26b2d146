package io.dls.receiver.sink;

import io.dls.contracts.TopicNames;

import java.util.Map;
import java.util.Objects;

/**
 * @param bootstrapServers Kafka bootstrap servers
 * @param topic            the raw topic (contract 1)
 * @param sourceHeader     add the {@code fluent.source} header with the peer address
 * @param producer         any Kafka producer property (SASL, SSL, compression, ...); overrides the defaults
 * @param maxRecordBytes   the largest record the producer may send ({@code max.request.size} unless the
 *                         producer properties set it): room for an event as large as chunk_size_limit
 * @param metricsTopic     where Fluent Bit metrics chunks go
 * @param tracesTopic      where Fluent Bit traces chunks go
 * @param dropSignals      drop metrics and traces chunks (acked, counted) instead of publishing them
 */
public record KafkaSinkConfig(String bootstrapServers, String topic, boolean sourceHeader,
                              Map<String, String> producer, long maxRecordBytes, String metricsTopic,
                              String tracesTopic, boolean dropSignals) {
    /** Key, headers and Kafka's own record and batch framing on top of the event: far less than this. */
    static final long RECORD_OVERHEAD = 64 * 1024;

    public KafkaSinkConfig {
        Objects.requireNonNull(bootstrapServers, "kafka bootstrap servers");
        if (bootstrapServers.isBlank()) {
            throw new IllegalArgumentException("kafka.bootstrap_servers must not be empty");
        }
        requireTopic(topic, "kafka.topic");
        requireTopic(metricsTopic, "kafka.metrics_topic");
        requireTopic(tracesTopic, "kafka.traces_topic");
        producer = Map.copyOf(producer == null ? Map.of() : producer);
    }

    public KafkaSinkConfig(String bootstrapServers, String topic, boolean sourceHeader, Map<String, String> producer) {
        this(bootstrapServers, topic, sourceHeader, producer, maxRecordBytesFor(32L << 20), TopicNames.METRICS_RAW,
                TopicNames.TRACES_RAW, false);
    }

    /**
     * The record size that holds an event as large as a chunk may be: the event, its tag and its metadata
     * all come out of one chunk, so chunk_size_limit plus Kafka's framing. Topics need
     * {@code max.message.bytes} at least this large (./dls creates them so).
     */
    public static long maxRecordBytesFor(long chunkSizeLimit) {
        return chunkSizeLimit + RECORD_OVERHEAD;
    }

    private static void requireTopic(String topic, String setting) {
        if (topic == null || topic.isBlank() || !topic.matches("[a-zA-Z0-9._-]{1,249}")) {
            throw new IllegalArgumentException(setting + " '" + topic
                    + "' is not a valid Kafka topic name (letters, digits, '.', '_', '-')");
        }
    }
}
