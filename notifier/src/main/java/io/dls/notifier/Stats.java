package io.dls.notifier;

import java.util.concurrent.atomic.AtomicLong;

/** Counters of what the notifier did; logged at shutdown and read by tests. */
public final class Stats {
    private final AtomicLong read = new AtomicLong();
    private final AtomicLong unreadable = new AtomicLong();
    private final AtomicLong posted = new AtomicLong();
    private final AtomicLong postFailures = new AtomicLong();
    private final AtomicLong refused = new AtomicLong();
    private final AtomicLong committed = new AtomicLong();

    void read() {
        read.incrementAndGet();
    }

    void unreadable() {
        unreadable.incrementAndGet();
    }

    void posted(int alerts) {
        posted.addAndGet(alerts);
    }

    void postFailed() {
        postFailures.incrementAndGet();
    }

    void refused() {
        refused.incrementAndGet();
    }

    void committed(int records) {
        committed.addAndGet(records);
    }

    /** Records read from the alerts topic. */
    public long recordsRead() {
        return read.get();
    }

    /** Records that were not alert documents (skipped). */
    public long unreadableRecords() {
        return unreadable.get();
    }

    /** Alerts an Alertmanager took (one count per Alertmanager and post, resends included). */
    public long alertsPosted() {
        return posted.get();
    }

    /** Posts that failed and were retried. */
    public long postFailures() {
        return postFailures.get();
    }

    /** Alerts an Alertmanager refused for good (4xx). */
    public long alertsRefused() {
        return refused.get();
    }

    /** Records whose offsets were committed. */
    public long recordsCommitted() {
        return committed.get();
    }

    @Override
    public String toString() {
        return "records_read=" + read + " unreadable=" + unreadable + " alerts_posted=" + posted
                + " post_failures=" + postFailures + " alerts_refused=" + refused + " records_committed=" + committed;
    }
}
