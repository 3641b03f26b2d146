package io.dls.job.normalize;

import java.io.Serializable;

/**
 * Something the job changed about a record on its way to an event, and why: {@code tag} goes to the event's
 * ECS {@code tags} (a short word to filter on), {@code text} to its ECS {@code event.reason}.
 */
public record Note(String tag, String text) implements Serializable {
    /** Non-string map keys turned into text. */
    public static final String NON_STRING_KEY = "non_string_key";
    /** A key that occurred twice in one map; the later value was kept (as Fluentd's Ruby hashes do). */
    public static final String DUPLICATE_KEY = "duplicate_key";
    /** Bytes that were not UTF-8 in a string, replaced by U+FFFD. */
    public static final String INVALID_UTF8 = "invalid_utf8";
    /** A value of the wrong type for the ECS field its alias names (kept under fields instead). */
    public static final String WRONG_TYPE = "wrong_type";
    /** A level word the aliases do not know (log.level UNKNOWN, the word kept under fields). */
    public static final String UNKNOWN_LEVEL = "unknown_level";
    /** An event time the job would not use; @timestamp is when the job read the record. */
    public static final String EVENT_TIME_REPLACED = "event_time_replaced";
    /** Strings cut so the event's JSON fits --max-event-bytes. */
    public static final String TRUNCATED = "truncated";
}
