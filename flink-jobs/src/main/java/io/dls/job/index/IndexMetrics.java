package io.dls.job.index;

/** What the index job counts about Elasticsearch's answers (Flink metrics of the sink's writer). */
public interface IndexMetrics {
    /** Documents stored in their text form ({@link SafeForm}) after Elasticsearch refused them. */
    void storedAsText(int n);

    /** Documents sent to the dead-letter topic. */
    void deadLettered(int n);

    /** Documents Elasticsearch answered 409 for: our ids are deterministic, so the document is there. */
    void conflicts(int n);

    /** Documents or whole bulks sent again after Elasticsearch was unreachable, busy (429) or failing (5xx). */
    void retried(int n);

    /** Whether the writer is waiting for Elasticsearch right now (1 while a bulk is being retried). */
    void waiting(boolean waiting);

    IndexMetrics NONE = new IndexMetrics() {
        @Override public void storedAsText(int n) { }
        @Override public void deadLettered(int n) { }
        @Override public void conflicts(int n) { }
        @Override public void retried(int n) { }
        @Override public void waiting(boolean waiting) { }
    };
}
