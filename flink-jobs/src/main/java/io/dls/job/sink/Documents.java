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

    private Documents() {
    }

    /**
     * With the event's Kafka JSON already written: most events are stored as they are; those whose original
     * fields Elasticsearch could reject are stored as {@link IndexableDocument} says.
     */
    public static Document of(LogEvent e, byte[] json) {
        return new Document("logs-" + DAY.format(Instant.ofEpochMilli(e.epochMillis)), e.eventId,
                IndexableDocument.of(e, json));
    }

    public static Document of(Alert a) {
        return new Document("alerts-" + MONTH.format(Instant.ofEpochMilli(a.epochMillis)), a.alertId,
                Json.bytes(a.toDocument()));
    }
}
