package io.dls.launcher.demo;

import com.fasterxml.jackson.databind.JsonNode;

import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Optional;

/**
 * Turns one JSON document of an output topic into a console line, reading the job's field names: events
 * ({@code @timestamp}, {@code log.level}, {@code service.name}, {@code host.name}, {@code message},
 * {@code event.kind}, {@code event.type}, {@code status}, {@code error.message}) and alerts
 * ({@code event.kind: alert}, {@code event.severity}, {@code rule.name}, {@code alert.key.value}).
 */
final class EventFormatter {
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss.SSS");

    private final ZoneId zone;

    EventFormatter(ZoneId zone) {
        this.zone = zone;
    }

    /**
     * Empty for what the original consoles did not show: heartbeats on all_logs (one per node every few
     * seconds would drown the logs). Registrations and deregistrations are state events too but are shown:
     * they say which nodes came up and which left on purpose.
     */
    Optional<ConsoleLine> format(Section topicSection, JsonNode doc) {
        String kind = text(doc.at("/event/kind"));
        String time = time(text(doc.path("@timestamp")));
        if ("alert".equals(kind)) {
            return Optional.of(alert(time, doc));
        }
        String type = text(doc.at("/event/type"));
        boolean state = "state".equals(kind);
        if (topicSection == Section.ALL && state && !"REGISTRATION".equals(type) && !"DEREGISTRATION".equals(type)) {
            return Optional.empty();
        }
        String status = text(doc.path("status"));
        String level = text(doc.at("/log/level"));
        // A state event has no log level (UNKNOWN); its status says more.
        String shown = state || topicSection == Section.NODE ? orElse(status, level) : orElse(level, status);
        String message = text(doc.path("message"));
        if (message == null) {
            message = type != null ? type.toLowerCase(java.util.Locale.ROOT) + (status != null ? " status " + status : "") : "";
        }
        String error = text(doc.at("/error/message"));
        if (error != null && !message.contains(error)) {
            message += "  (" + error + ")";
        }
        return Optional.of(new ConsoleLine(topicSection, time, orElse(shown, "-"), source(doc) + "  " + message));
    }

    private ConsoleLine alert(String time, JsonNode doc) {
        String severity = orElse(text(doc.at("/event/severity")), "alert");
        String rule = orElse(text(doc.at("/rule/name")), "?");
        String key = orElse(text(doc.at("/alert/key/value")), orElse(text(doc.at("/service/name")), "-"));
        return new ConsoleLine(Section.ALERT, time, severity, rule + " " + key + ": " + orElse(text(doc.path("message")), ""));
    }

    private static String source(JsonNode doc) {
        return orElse(text(doc.at("/service/name")), "-") + "/" + orElse(text(doc.at("/host/name")), "-");
    }

    /** The event's own time (nanoseconds in, milliseconds shown) in the viewer's zone. */
    String time(String timestamp) {
        if (timestamp == null) {
            return "--:--:--.---";
        }
        try {
            return LocalTime.ofInstant(Instant.parse(timestamp), zone).format(TIME);
        } catch (DateTimeParseException e) {
            return timestamp;
        }
    }

    String now() {
        return LocalTime.now(zone).format(TIME);
    }

    private static String text(JsonNode n) {
        return n == null || n.isMissingNode() || n.isNull() ? null : n.asText();
    }

    private static String orElse(String s, String other) {
        return s == null || s.isEmpty() ? other : s;
    }
}
