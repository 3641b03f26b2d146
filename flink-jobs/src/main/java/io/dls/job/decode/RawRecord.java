package io.dls.job.decode;

/**
 * One record of the raw topic (contract 1) as it came out of Kafka, not yet decoded. A Flink POJO.
 */
public class RawRecord {
    public String topic;
    public int partition;
    public long offset;
    /** The Fluentd tag (record key), or null when the key was missing. */
    public String tag;
    /** Kafka record timestamp: the event time in milliseconds. */
    public long timestamp;
    /** fluent.time header: 8 bytes, seconds then nanoseconds; null when the client sent whole seconds. */
    public byte[] time;
    /** fluent.chunk header: "chunk id#index", or null. */
    public String chunk;
    /** The record map, msgpack. */
    public byte[] value;
    /** fluent.metadata header: Fluent Bit's per-event metadata map, msgpack as the agent sent it; or null. */
    public byte[] metadata;

    public RawRecord() {
    }
}
