package io.dls.job.normalize;

import java.io.Serializable;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Maps one decoded record onto contract 2: ECS names found through the configured aliases, level words and
 * syslog numbers to one scale, heartbeats and registrations recognized, every other field kept under
 * {@code fields}.
 */
public final class Normalizer implements Serializable {
    private static final long serialVersionUID = 1L;

    /** date_nanos, the Elasticsearch type of @timestamp, covers 1970 to 2262. */
    private static final long MAX_EPOCH_SECONDS = 9_223_372_036L;

    private final AliasConfig aliases;

    public Normalizer(AliasConfig aliases) {
        this.aliases = aliases;
    }

    /**
     * @param tag      the Fluentd tag (event.dataset)
     * @param seconds  event time, whole seconds
     * @param nanos    nanoseconds within the second
     * @param record   the decoded record; not modified
     * @param eventId  the deterministic id (see {@link EventIds})
     * @throws IllegalArgumentException with the reason when the record cannot be an event
     */
    public LogEvent normalize(String tag, long seconds, int nanos, Map<String, Object> record, String eventId) {
        if (seconds < 0 || seconds >= MAX_EPOCH_SECONDS) {
            throw new IllegalArgumentException("event time " + seconds + " s is outside 1970..2262");
        }
        Map<String, Object> rest = new LinkedHashMap<>(record);
        LogEvent e = new LogEvent();
        Instant t = Instant.ofEpochSecond(seconds, nanos);
        e.timestamp = t.toString();
        e.epochMillis = t.toEpochMilli();
        e.dataset = tag;
        e.eventId = eventId;
        e.message = text(take(rest, aliases.message));
        e.level = aliases.level(take(rest, aliases.level));
        e.service = stripSlash(text(take(rest, aliases.service)));
        e.host = text(take(rest, aliases.host));
        Object type = take(rest, aliases.type);
        e.type = aliases.type(type);
        if (type != null && e.type == null) {
            rest.put("message_type", type); // an unknown type word stays visible
        }
        if (e.type == null) {
            e.type = "LOG";
        }
        Object status = take(rest, aliases.status);
        if (status != null) {
            e.status = String.valueOf(status).trim().toUpperCase(Locale.ROOT);
        }
        e.kind = e.isHeartbeat() || e.isRegistration() ? LogEvent.KIND_STATE : LogEvent.KIND_EVENT;
        e.error = error(take(rest, aliases.error));
        if (e.message == null && e.error != null) {
            e.message = text(e.error.get("message"));
        }
        e.fields = rest.isEmpty() ? null : rest;
        return e;
    }

    /** Removes and returns the first alias present (flat dotted key or nested path). */
    @SuppressWarnings("unchecked")
    private static Object take(Map<String, Object> rec, List<String> paths) {
        for (String p : paths) {
            if (rec.containsKey(p) && rec.get(p) != null) {
                return rec.remove(p);
            }
            int dot = p.indexOf('.');
            if (dot > 0 && rec.get(p.substring(0, dot)) instanceof Map<?, ?> child) {
                Map<String, Object> copy = new LinkedHashMap<>((Map<String, Object>) child);
                Object v = take(copy, List.of(p.substring(dot + 1)));
                if (v != null) {
                    if (copy.isEmpty()) {
                        rec.remove(p.substring(0, dot));
                    } else {
                        rec.put(p.substring(0, dot), copy);
                    }
                    return v;
                }
            }
        }
        return null;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> error(Object raw) {
        if (raw == null) {
            return null;
        }
        Map<String, Object> err = new LinkedHashMap<>();
        if (raw instanceof Map<?, ?> m) {
            err.putAll((Map<String, Object>) m);
        } else {
            String s = String.valueOf(raw);
            // A multi-line value is a stack trace; its first line is the message.
            int nl = s.indexOf('\n');
            err.put("message", nl < 0 ? s : s.substring(0, nl));
            if (nl >= 0) {
                err.put("stack_trace", s);
            }
        }
        return err;
    }

    private static String text(Object o) {
        return o == null ? null : String.valueOf(o);
    }

    /** Docker's container_name comes as "/name". */
    private static String stripSlash(String s) {
        return s != null && s.startsWith("/") ? s.substring(1) : s;
    }
}
