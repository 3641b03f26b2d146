package io.dls.job.decode;

import java.io.Serializable;
import java.time.Duration;

/**
 * What the job accepts from the raw topic before it changes a record (contract 2 still holds, the change is
 * recorded on the event).
 *
 * @param maxEventBytes      largest JSON form of an event; longer strings are cut (the event says so and how
 *                           long they were). Kafka's producers refuse records over max.request.size (1 MiB
 *                           by default), and a refused record would fail the job over and over.
 * @param maxClockSkewMillis how far ahead of the job's clock an event time may be. Further ahead, the time
 *                           the job read the record is used instead: a far-future time would drag the
 *                           watermark along, and every later event of that partition would be too late for
 *                           the event-time alert patterns.
 */
public record InputLimits(int maxEventBytes, long maxClockSkewMillis) implements Serializable {
    public static final int DEFAULT_MAX_EVENT_BYTES = 256 * 1024;
    public static final Duration DEFAULT_MAX_CLOCK_SKEW = Duration.ofMinutes(5);
    /** Room for the envelope, the key and the headers of a Kafka record, and for Elasticsearch's additions. */
    private static final int MIN_EVENT_BYTES = 4096;

    public InputLimits {
        if (maxEventBytes < MIN_EVENT_BYTES) {
            throw new IllegalArgumentException("max event bytes must be at least " + MIN_EVENT_BYTES + ", was " + maxEventBytes);
        }
        if (maxClockSkewMillis < 0) {
            throw new IllegalArgumentException("max clock skew must not be negative, was " + maxClockSkewMillis + " ms");
        }
    }

    public static InputLimits defaults() {
        return new InputLimits(DEFAULT_MAX_EVENT_BYTES, DEFAULT_MAX_CLOCK_SKEW.toMillis());
    }

    /**
     * The Flink timestamp (event time, watermarks) of a raw record: its Kafka timestamp, or the job's clock
     * when that is missing or too far ahead. The same rule as {@link EventTime#of}, so an event's
     * {@code @timestamp} and its place in event time agree.
     */
    public long flinkTimestamp(long recordMillis, long nowMillis) {
        return usesOwnTime(recordMillis, nowMillis) ? recordMillis : nowMillis;
    }

    /** Whether a record's Kafka timestamp is used as it is (see {@link RawWatermarks}). */
    private boolean usesOwnTime(long recordMillis, long nowMillis) {
        return recordMillis >= 0 && recordMillis <= nowMillis + maxClockSkewMillis;
    }
}
