package io.dls.job.index;

/** One record of the index job's input topics. A Flink POJO. */
public class IndexInput {
    public String topic;
    public byte[] value;
    /** The Kafka record's timestamp (the event's time, as the pipeline job writes it). */
    public long timestamp;

    public IndexInput() {
    }

    public IndexInput(String topic, byte[] value, long timestamp) {
        this.topic = topic;
        this.value = value;
        this.timestamp = timestamp;
    }
}
