package io.dls.job.decode;

import io.dls.contracts.FluentHeaders;
import io.dls.job.normalize.Note;

import java.time.Duration;
import java.time.Instant;

/**
 * A raw record's event time (contract 1: the fluent.time header when the client sent sub-second precision,
 * else the Kafka timestamp), or the time the job read it when the record's own is missing or further ahead
 * of the job's clock than {@link InputLimits#maxClockSkewMillis()}; {@code note} then says what it was.
 *
 * <p>Why replace rather than refuse: a host with a broken clock still has logs worth seeing and alerting on,
 * and the moment they arrived is the best time we know (Splunk does the same beyond MAX_DAYS_HENCE). Times in
 * the past are kept, however old: they cannot move the watermark, and contract 1 cannot express one before
 * 1970 (both the header and the Kafka timestamp are unsigned there).
 */
public record EventTime(long seconds, int nanos, Note note) {

    /** @throws IllegalArgumentException when the fluent.time header is malformed */
    public static EventTime of(RawRecord raw, InputLimits limits, long nowMillis) {
        long seconds;
        int nanos;
        if (raw.time != null && raw.time.length == 8) {
            FluentHeaders.Time t = FluentHeaders.time(raw.time); // throws for nanoseconds out of range
            seconds = t.seconds();
            nanos = t.nanos();
        } else if (raw.timestamp < 0) {
            return now(nowMillis, "the record has no event time (Kafka timestamp " + raw.timestamp + ")");
        } else {
            seconds = Math.floorDiv(raw.timestamp, 1000);
            nanos = (int) Math.floorMod(raw.timestamp, 1000) * 1_000_000;
        }
        long aheadMillis = seconds * 1000 + nanos / 1_000_000 - nowMillis;
        if (aheadMillis > limits.maxClockSkewMillis()) {
            return now(nowMillis, "event time " + Instant.ofEpochSecond(seconds, nanos) + " is " + span(aheadMillis)
                    + " ahead of the job's clock, beyond --max-clock-skew " + span(limits.maxClockSkewMillis()));
        }
        return new EventTime(seconds, nanos, null);
    }

    private static String span(long millis) {
        long days = millis / 86_400_000L;
        return days >= 2 ? days + " days" : Duration.ofMillis(millis).toSeconds() + " s";
    }

    private static EventTime now(long nowMillis, String why) {
        return new EventTime(Math.floorDiv(nowMillis, 1000), (int) Math.floorMod(nowMillis, 1000) * 1_000_000,
                new Note(Note.EVENT_TIME_REPLACED, why + ": @timestamp is when the job read the record"));
    }
}
