package io.dls.job.normalize;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

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
    private final List<AliasPath> messagePaths;
    private final List<AliasPath> levelPaths;
    private final List<AliasPath> servicePaths;
    private final List<AliasPath> hostPaths;
    private final List<AliasPath> typePaths;
    private final List<AliasPath> statusPaths;
    private final List<AliasPath> errorPaths;
    /**
     * Paths that hold other aliases (log for log.level, service for service.name, ...): a map there is the
     * ECS shape, not a wrong type for the alias of the same name (log, Docker's message field).
     */
    private final Set<String> parents = new HashSet<>();

    public Normalizer(AliasConfig aliases) {
        this.aliases = aliases;
        messagePaths = AliasPath.all(aliases.message);
        levelPaths = AliasPath.all(aliases.level);
        servicePaths = AliasPath.all(aliases.service);
        hostPaths = AliasPath.all(aliases.host);
        typePaths = AliasPath.all(aliases.type);
        statusPaths = AliasPath.all(aliases.status);
        errorPaths = AliasPath.all(aliases.error);
        for (List<String> paths : List.of(aliases.message, aliases.level, aliases.service, aliases.host, aliases.type,
                aliases.status, aliases.error)) {
            for (String p : paths) {
                for (int dot = p.indexOf('.'); dot > 0; dot = p.indexOf('.', dot + 1)) {
                    parents.add(p.substring(0, dot));
                }
            }
        }
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
        e.timestamp = IsoTime.of(seconds, nanos);
        e.epochMillis = seconds * 1000 + nanos / 1_000_000;
        e.dataset = tag;
        e.eventId = eventId;
        e.message = text(take(rest, messagePaths, "message", Normalizer::scalar, e), e);
        Taken level = take(rest, levelPaths, "log.level", Normalizer::scalar, e);
        e.level = aliases.level(level == null ? null : level.value);
        if (level != null && e.level.equals("UNKNOWN")) {
            rest.put(level.path, level.value); // an unknown level word stays visible
            e.note(new Note(Note.UNKNOWN_LEVEL, "level " + quote(level.value) + " (" + level.path
                    + ") is not a known level word: log.level UNKNOWN, the value kept under fields"));
        }
        e.service = stripSlash(text(take(rest, servicePaths, "service.name", Normalizer::scalar, e), e));
        e.host = text(take(rest, hostPaths, "host.name", Normalizer::scalar, e), e);
        Taken type = take(rest, typePaths, "event.type", Normalizer::scalar, e);
        e.type = type == null ? null : aliases.type(type.value);
        if (type != null && e.type == null) {
            rest.put(type.path, type.value); // an unknown type word stays visible
        }
        if (e.type == null) {
            e.type = "LOG";
        }
        String status = text(take(rest, statusPaths, "status", Normalizer::scalar, e), e);
        if (status != null) {
            e.status = status.trim().toUpperCase(Locale.ROOT);
        }
        e.kind = e.isHeartbeat() || e.isRegistration() || e.isDeregistration() ? LogEvent.KIND_STATE : LogEvent.KIND_EVENT;
        Taken error = take(rest, errorPaths, "error", v -> !(v instanceof List), e);
        e.error = error(error == null ? null : error.value);
        if (e.message == null && e.error != null && scalar(e.error.get("message"))) {
            e.message = String.valueOf(e.error.get("message"));
        }
        e.fields = rest.isEmpty() ? null : rest;
        return e;
    }

    /** The alias path a value was found at, and the value. */
    private record Taken(String path, Object value) {
    }

    /**
     * An alias path split at its first dot once, not for every event: {@code kubernetes.labels.app} is the
     * flat key itself, or {@code labels.app} inside the map at {@code kubernetes}.
     */
    private record AliasPath(String path, String head, AliasPath tail) implements Serializable {
        static AliasPath of(String path) {
            int dot = path.indexOf('.');
            return dot > 0 ? new AliasPath(path, path.substring(0, dot), of(path.substring(dot + 1)))
                    : new AliasPath(path, null, null);
        }

        static List<AliasPath> all(List<String> paths) {
            return paths.stream().map(AliasPath::of).toList();
        }
    }

    /**
     * Removes and returns the first alias present (flat dotted key or nested path) whose value the ECS field
     * can use. A value it cannot use (a map for a level, say) stays where it was, under fields; when no alias
     * had a usable value, the event notes which ones had the wrong type.
     */
    private Taken take(Map<String, Object> rec, List<AliasPath> paths, String ecsName, Predicate<Object> usable,
                       LogEvent e) {
        List<String> unusable = new ArrayList<>(0);
        Taken t = take(rec, paths, "", usable, unusable);
        if (t == null && !unusable.isEmpty()) {
            e.note(new Note(Note.WRONG_TYPE, String.join(", ", unusable) + " cannot be " + ecsName
                    + ", kept under fields"));
        }
        return t;
    }

    private Taken take(Map<String, Object> rec, List<AliasPath> paths, String prefix, Predicate<Object> usable,
                       List<String> unusable) {
        for (AliasPath p : paths) {
            Taken t = take(rec, p, prefix, usable, unusable);
            if (t != null) {
                return t;
            }
        }
        return null;
    }

    @SuppressWarnings("unchecked")
    private Taken take(Map<String, Object> rec, AliasPath p, String prefix, Predicate<Object> usable,
                       List<String> unusable) {
        Object v = rec.get(p.path);
        if (v != null) {
            if (usable.test(v)) {
                rec.remove(p.path);
                return new Taken(prefix + p.path, v);
            }
            // A map at the parent of other aliases (kubernetes, for kubernetes.labels.app) is where those
            // live, not a wrong-typed value.
            if (!(v instanceof Map && parents.contains(prefix + p.path))) {
                unusable.add(prefix + p.path + " (" + kind(v) + ")");
            }
            return null;
        }
        if (p.head != null && rec.get(p.head) instanceof Map<?, ?> child) {
            Map<String, Object> copy = new LinkedHashMap<>((Map<String, Object>) child);
            Taken t = take(copy, p.tail, prefix + p.head + ".", usable, unusable);
            if (t != null) {
                if (copy.isEmpty()) {
                    rec.remove(p.head);
                } else {
                    rec.put(p.head, copy);
                }
                return t;
            }
        }
        return null;
    }

    static boolean scalar(Object v) {
        return v instanceof String || v instanceof Number || v instanceof Boolean;
    }

    private static String kind(Object v) {
        if (v instanceof Map) {
            return "a map";
        }
        if (v instanceof List) {
            return "an array";
        }
        return v instanceof Boolean ? "a boolean" : v instanceof Number ? "a number" : "a string";
    }

    private static String quote(Object v) {
        String s = String.valueOf(v);
        return "'" + (s.length() <= 40 ? s : s.substring(0, 40) + "...") + "'";
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

    /** A number or boolean where text belongs is used as text, and the event says so. */
    private static String text(Taken t, LogEvent e) {
        if (t == null) {
            return null;
        }
        if (!(t.value instanceof String)) {
            e.note(new Note(Note.WRONG_TYPE, t.path + " (" + kind(t.value) + ") used as text"));
        }
        return String.valueOf(t.value);
    }

    /** Docker's container_name comes as "/name". */
    private static String stripSlash(String s) {
        return s != null && s.startsWith("/") ? s.substring(1) : s;
    }
}
