package io.dls.job.route;

/** One record for the Kafka sink: which topic, its key, its JSON value. A Flink POJO. */
public class Output {
    public String topic;
    public String key;
    public byte[] value;

    public Output() {
    }

    public Output(String topic, String key, byte[] value) {
        this.topic = topic;
        this.key = key;
        this.value = value;
    }
}
