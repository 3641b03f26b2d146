package io.dls.job.patterns;

import io.dls.job.normalize.LogEvent;

/**
 * An event on its way to the patterns it concerns that share one key field: keyed by that field and its value,
 * carrying the patterns' positions in the job's pattern list. A Flink POJO (public fields, no-argument
 * constructor).
 */
public class Dispatched {
    /** {@link #key(String, Object)} of the patterns' key field and the event's value of it. */
    public String key;
    /** Positions in the job's pattern list, ascending. */
    public int[] patterns;
    public LogEvent event;

    public Dispatched() {
    }

    public Dispatched(String key, int[] patterns, LogEvent event) {
        this.key = key;
        this.patterns = patterns;
        this.event = event;
    }

    /**
     * The key of the pattern operator: the key field's name and the value, so patterns keyed by different
     * fields share one exchange and one operator without their keys meeting. Stable across pattern changes
     * (no positions in it), as keyed state restored from a savepoint needs.
     */
    public static String key(String keyField, Object value) {
        return keyField + '\u0000' + value;
    }
}
