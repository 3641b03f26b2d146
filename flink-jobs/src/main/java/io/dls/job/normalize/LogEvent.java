package io.dls.job.normalize;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One normalized log event (contract 2), with Elastic Common Schema names in its JSON form. A Flink POJO:
 * public fields and a no-argument constructor, so Flink serializes it without reflection tricks.
 *
 * <p>Field paths used by alert patterns and {@link #get(String)}: {@code @timestamp}, {@code message},
 * {@code log.level}, {@code service.name}, {@code host.name}, {@code event.id}, {@code event.kind},
 * {@code event.dataset}, {@code event.type} (LOG, HEARTBEAT, REGISTRATION), {@code status} (UP, DOWN),
 * {@code error.*}, {@code tags}, {@code event.reason}, and {@code fields.*} for every original field.
 */
public class LogEvent {
    public static final String KIND_EVENT = "event";
    public static final String KIND_STATE = "state";
    public static final String KIND_ALERT = "alert";

    /** ISO-8601 UTC with the precision the client sent (up to nanoseconds). */
    public String timestamp;
    /** The same instant in epoch milliseconds (event time for Flink). */
    public long epochMillis;
    public String message;
    /** TRACE, DEBUG, INFO, WARN, ERROR, FATAL or UNKNOWN. */
    public String level;
    public String service;
    public String host;
    public String eventId;
    /** event, state (heartbeats, registrations) or alert. */
    public String kind;
    /** The Fluentd tag. */
    public String dataset;
    /** LOG, HEARTBEAT, REGISTRATION or DEREGISTRATION (the original system's message_type). */
    public String type;
    /** UP or DOWN for heartbeats that say so; null otherwise. */
    public String status;
    /** error.* (message, type, stack_trace, ...) when the record had error details. */
    public Map<String, Object> error;
    /** Every original field, so nothing is lost. */
    public Map<String, Object> fields;
    /** Fluent Bit's per-event metadata ({@code [[time, {metadata}], record]}, header fluent.metadata); or null. */
    public Map<String, Object> metadata;
    /** ECS tags: what the job changed on the way (see {@link Note}); null when nothing. */
    public List<String> tags;
    /** ECS event.reason: why, in words; null when nothing was changed. */
    public String reason;

    /** The longest event.reason kept: it is a keyword (ignore_above 1024 in the index template). */
    static final int MAX_REASON_CHARS = 1000;

    public LogEvent() {
    }

    public boolean isHeartbeat() {
        return "HEARTBEAT".equals(type);
    }

    public boolean isRegistration() {
        return "REGISTRATION".equals(type);
    }

    /** A node leaving on purpose: the end of its heartbeat watch, not a failure. */
    public boolean isDeregistration() {
        return "DEREGISTRATION".equals(type);
    }

    /** Records a change: its tag once, its text appended to the reason (bounded, the first ones win). */
    public void note(Note n) {
        if (tags == null) {
            tags = new ArrayList<>();
        }
        if (!tags.contains(n.tag())) {
            tags.add(n.tag());
        }
        String r = reason == null ? n.text() : reason + "; " + n.text();
        reason = r.length() <= MAX_REASON_CHARS ? r : r.substring(0, MAX_REASON_CHARS - 3) + "...";
    }

    /** The value at a field path (see the class comment), or null. */
    public Object get(String path) {
        switch (path) {
            case "@timestamp": return timestamp;
            case "message": return message;
            case "log.level": return level;
            case "service.name": return service;
            case "host.name": return host;
            case "event.id": return eventId;
            case "event.kind": return kind;
            case "event.dataset": return dataset;
            case "event.type": return type;
            case "status": return status;
            case "tags": return tags;
            case "event.reason": return reason;
            default:
                if (path.startsWith("error.")) {
                    return lookup(error, path.substring(6));
                }
                if (path.startsWith("metadata.")) {
                    return lookup(metadata, path.substring(9));
                }
                if (path.startsWith("fields.")) {
                    return lookup(fields, path.substring(7));
                }
                return lookup(fields, path);
        }
    }

    @SuppressWarnings("unchecked")
    private static Object lookup(Map<String, Object> map, String path) {
        if (map == null) {
            return null;
        }
        if (map.containsKey(path)) {
            return map.get(path);
        }
        int dot = path.indexOf('.');
        while (dot > 0) {
            Object child = map.get(path.substring(0, dot));
            if (child instanceof Map) {
                Object v = lookup((Map<String, Object>) child, path.substring(dot + 1));
                if (v != null) {
                    return v;
                }
            }
            dot = path.indexOf('.', dot + 1);
        }
        return null;
    }

    /** The ECS document written to Kafka topics and Elasticsearch. */
    public Map<String, Object> toDocument() {
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("@timestamp", timestamp);
        if (message != null) {
            doc.put("message", message);
        }
        doc.put("log", Map.of("level", level));
        if (service != null) {
            doc.put("service", Map.of("name", service));
        }
        if (host != null) {
            doc.put("host", Map.of("name", host));
        }
        Map<String, Object> ev = new LinkedHashMap<>();
        ev.put("id", eventId);
        ev.put("kind", kind);
        ev.put("dataset", dataset);
        if (type != null) {
            ev.put("type", type);
        }
        if (reason != null) {
            ev.put("reason", reason);
        }
        doc.put("event", ev);
        if (tags != null && !tags.isEmpty()) {
            doc.put("tags", tags);
        }
        if (status != null) {
            doc.put("status", status);
        }
        if (error != null && !error.isEmpty()) {
            doc.put("error", error);
        }
        if (fields != null && !fields.isEmpty()) {
            doc.put("fields", fields);
        }
        if (metadata != null && !metadata.isEmpty()) {
            doc.put("metadata", metadata);
        }
        return doc;
    }


    @Override
    public String toString() {
        return "LogEvent{" + timestamp + " " + level + " " + service + "@" + host + " " + type + " " + status
                + " '" + message + "' id=" + eventId + "}";
    }
}
