package io.dls.job.index;

/** One Elasticsearch document: its index, its deterministic id, its JSON source. A Flink POJO. */
public class Document {
    public String index;
    public String id;
    public byte[] source;

    public Document() {
    }

    public Document(String index, String id, byte[] source) {
        this.index = index;
        this.id = id;
        this.source = source;
    }
}
