package io.dls.job.sink;

import io.dls.job.normalize.LogEvent;
import io.dls.job.patterns.Alert;
import io.dls.job.route.Json;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/** Which index a document goes to (contract 3): daily logs-YYYY.MM.DD by event time, monthly alerts-YYYY.MM. */
public final class Documents {
    private static final DateTimeFormatter DAY = DateTimeFormatter.ofPattern("yyyy.MM.dd").withZone(ZoneOffset.UTC);
    private static final DateTimeFormatter MONTH = DateTimeFormatter.ofPattern("yyyy.MM").withZone(ZoneOffset.UTC);

    private static final long DAY_MILLIS = 86_400_000L;
    /** The last day's index name: nearly every event of a stream falls on the same day as the one before. */
    private static volatile Day lastDay = new Day(0, null);

    private record Day(long startMillis, String index) {
    }

    private Documents() {
    }

    /** logs-YYYY.MM.DD of the UTC day the instant falls on. */
    public static String logsIndex(long epochMillis) {
        Day d = lastDay;
        if (d.index != null && epochMillis >= d.startMillis && epochMillis < d.startMillis + DAY_MILLIS) {
            return d.index;
        }
        long start = Math.floorDiv(epochMillis, DAY_MILLIS) * DAY_MILLIS;
        d = new Day(start, "logs-" + DAY.format(Instant.ofEpochMilli(start)));
        lastDay = d;
        return d.index;
    }

    /**
     * With the event's Kafka JSON already written: most events are stored as they are; those whose original
     * fields Elasticsearch could reject are stored as {@link IndexableDocument} says.
     */
    public static Document of(LogEvent e, byte[] json) {
        return new Document(logsIndex(e.epochMillis), e.eventId,
                IndexableDocument.of(e, json));
    }

    public static Document of(Alert a) {
        return new Document("alerts-" + MONTH.format(Instant.ofEpochMilli(a.epochMillis)), a.alertId,
                Json.bytes(a.toDocument()));
    }
}
