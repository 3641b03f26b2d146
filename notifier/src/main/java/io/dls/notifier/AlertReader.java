package io.dls.notifier;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Reads the JSON of an {@code alerts} record (the document the pipeline job's {@code Alert.toDocument()}
 * writes) into a {@link PipelineAlert}. Fields the job does not write yet ({@code alert.labels},
 * {@code alert.description}, {@code alert.runbook_url}, {@code alert.resolve_after_ms}) are optional, so
 * the notifier works with today's alerts and picks them up the day the job writes them.
 */
public final class AlertReader {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** A record that is not an alert document; skipped (logged and counted), never retried. */
    public static final class UnreadableAlert extends Exception {
        public UnreadableAlert(String message) {
            super(message);
        }
    }

    /**
     * @param value    the record's bytes
     * @param fallback the record's Kafka timestamp, used when the document carries no readable time
     */
    public PipelineAlert read(byte[] value, Instant fallback) throws UnreadableAlert {
        if (value == null) {
            throw new UnreadableAlert("empty record (tombstone)");
        }
        JsonNode doc;
        try {
            doc = JSON.readTree(value);
        } catch (IOException e) {
            throw new UnreadableAlert("not JSON: " + (e instanceof com.fasterxml.jackson.core.JsonProcessingException j ? j.getOriginalMessage() : e.getMessage()));
        }
        if (doc == null || !doc.isObject()) {
            throw new UnreadableAlert("not a JSON object");
        }
        String rule = text(doc.path("rule").path("name"));
        if (rule == null || rule.isBlank()) {
            throw new UnreadableAlert("no rule.name");
        }
        String kind = text(doc.path("event").path("kind"));
        if (kind != null && !kind.equals("alert")) {
            throw new UnreadableAlert("event.kind is '" + kind + "', not 'alert'");
        }
        JsonNode alert = doc.path("alert");
        Instant raisedAt = time(doc.path("@timestamp")).orElse(fallback);
        Instant first = time(doc.path("event").path("start")).orElse(raisedAt);
        Instant last = time(doc.path("event").path("end")).orElse(first);
        List<String> ids = new ArrayList<>();
        alert.path("event_ids").forEach(n -> {
            if (n.isValueNode()) {
                ids.add(n.asText());
            }
        });
        Map<String, String> labels = new LinkedHashMap<>();
        alert.path("labels").fields().forEachRemaining(f -> {
            if (f.getValue().isValueNode() && !f.getValue().isNull()) {
                labels.put(f.getKey(), f.getValue().asText());
            }
        });
        Optional<Duration> resolveAfter = Optional.empty();
        JsonNode ra = alert.path("resolve_after_ms");
        if (ra.isNumber() && ra.asLong() > 0) {
            resolveAfter = Optional.of(Duration.ofMillis(ra.asLong()));
        }
        return new PipelineAlert(
                rule,
                text(doc.path("event").path("severity")),
                orEmpty(text(alert.path("key").path("field"))),
                orEmpty(text(alert.path("key").path("value"))),
                orEmpty(text(doc.path("message"))),
                orEmpty(text(doc.path("event").path("id"))),
                raisedAt,
                first,
                last,
                alert.path("count").asLong(ids.size()),
                ids,
                labels,
                Optional.ofNullable(text(alert.path("description")))
                        .or(() -> Optional.ofNullable(text(doc.path("rule").path("description")))),
                Optional.ofNullable(text(alert.path("runbook_url")))
                        .or(() -> Optional.ofNullable(text(doc.path("rule").path("reference")))),
                resolveAfter);
    }

    private static String text(JsonNode n) {
        if (n == null || n.isMissingNode() || n.isNull() || !n.isValueNode()) {
            return null;
        }
        String s = n.asText();
        return s.isEmpty() ? null : s;
    }

    private static String orEmpty(String s) {
        return s == null ? "" : s;
    }

    /** ISO-8601 with Z (the job's form, nanoseconds kept) or with an offset. */
    static Optional<Instant> time(JsonNode n) {
        String s = text(n);
        if (s == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(Instant.parse(s));
        } catch (DateTimeParseException e) {
            try {
                return Optional.of(OffsetDateTime.parse(s).toInstant());
            } catch (DateTimeParseException e2) {
                return Optional.empty();
            }
        }
    }
}
