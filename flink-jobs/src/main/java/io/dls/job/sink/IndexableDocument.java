package io.dls.job.sink;

import io.dls.job.normalize.LogEvent;
import io.dls.job.normalize.Note;
import io.dls.job.route.Json;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The Elasticsearch form of an event: the Kafka JSON, except that {@code fields} and {@code error} hold only
 * scalars and arrays of scalars under keys Elasticsearch accepts. A document Elasticsearch rejects fails the
 * job on every restart (the connector fails on any bulk item failure), and the original fields are arbitrary:
 * {@code detail: "text"} in one record and {@code detail: {x: 1}} in the next is a mapping conflict, a key
 * with a leading dot or only spaces a parse error, deep nesting beyond index.mapping.depth.limit (20).
 *
 * <p>So, in Elasticsearch only (the Kafka topics keep the original structure, contract 2): a map or an array
 * holding anything but scalars becomes its JSON text (a keyword, like every fields.* value); dots in keys
 * become '_' (a dotted key would be an object path); an empty or blank key becomes "_empty"; keys are cut to
 * {@link #MAX_KEY_CHARS}; beyond {@link #MAX_KEYS} keys the rest go, as JSON text, to one "_more" key, so one
 * record cannot exceed the index's 1000-field limit. The document's tags and event.reason say so. Most events
 * need none of this, and keep the Kafka JSON bytes as they are.
 */
public final class IndexableDocument {
    public static final int MAX_KEYS = 100;
    public static final int MAX_KEY_CHARS = 200;
    /** The tag of a document that differs from its Kafka JSON. */
    public static final String TAG = "indexed_as_text";

    private IndexableDocument() {
    }

    /** @param json the event's Kafka JSON, returned when it is already indexable */
    public static byte[] of(LogEvent e, byte[] json) {
        if (indexable(e.fields) && indexable(e.error)) {
            return json;
        }
        List<String> changed = new ArrayList<>();
        Map<String, Object> doc = e.toDocument();
        if (e.fields != null && !e.fields.isEmpty()) {
            doc.put("fields", flat(e.fields, "fields", changed));
        }
        if (e.error != null && !e.error.isEmpty()) {
            doc.put("error", flat(e.error, "error", changed));
        }
        Note note = new Note(TAG, "in Elasticsearch " + String.join(", ", changed)
                + " (the Kafka topics keep the original)");
        List<String> tags = new ArrayList<>(e.tags == null ? List.of() : e.tags);
        tags.add(note.tag());
        doc.put("tags", tags);
        @SuppressWarnings("unchecked")
        Map<String, Object> event = (Map<String, Object>) doc.get("event");
        event.put("reason", e.reason == null ? note.text() : e.reason + "; " + note.text());
        return Json.bytes(doc);
    }

    static boolean indexable(Map<String, Object> m) {
        if (m == null) {
            return true;
        }
        if (m.size() > MAX_KEYS) {
            return false;
        }
        for (Map.Entry<String, Object> e : m.entrySet()) {
            if (!safeKey(e.getKey()) || !scalarOrScalars(e.getValue())) {
                return false;
            }
        }
        return true;
    }

    private static Map<String, Object> flat(Map<String, Object> m, String name, List<String> changed) {
        Map<String, Object> out = new LinkedHashMap<>();
        Map<String, Object> more = new LinkedHashMap<>();
        int asText = 0;
        int renamed = 0;
        for (Map.Entry<String, Object> e : m.entrySet()) {
            if (out.size() == MAX_KEYS - 1 && m.size() > MAX_KEYS) {
                more.put(e.getKey(), e.getValue());
                continue;
            }
            String key = safeKey(e.getKey()) ? e.getKey() : key(e.getKey());
            while (out.containsKey(key)) {
                key = key + "_";
            }
            if (!key.equals(e.getKey())) {
                renamed++;
            }
            Object v = e.getValue();
            if (!scalarOrScalars(v)) {
                v = Json.text(v);
                asText++;
            }
            out.put(key, v);
        }
        if (asText > 0) {
            changed.add(asText + " " + name + " value(s) holding maps or nested arrays are JSON text");
        }
        if (renamed > 0) {
            changed.add(renamed + " " + name + " key(s) with dots, blank or over " + MAX_KEY_CHARS + " characters renamed");
        }
        if (!more.isEmpty()) {
            String key = "_more";
            while (out.containsKey(key)) {
                key = key + "_";
            }
            out.put(key, Json.text(more));
            changed.add(more.size() + " " + name + " keys beyond the first " + (MAX_KEYS - 1) + " are JSON text in "
                    + name + "." + key);
        }
        return out;
    }

    private static boolean safeKey(String k) {
        return !k.isBlank() && k.length() <= MAX_KEY_CHARS && k.indexOf('.') < 0;
    }

    private static String key(String k) {
        if (k.isBlank()) {
            return "_empty";
        }
        String s = k.replace('.', '_');
        return s.length() <= MAX_KEY_CHARS ? s
                : s.substring(0, MAX_KEY_CHARS - 9) + "~" + Integer.toHexString(k.hashCode());
    }

    private static boolean scalar(Object v) {
        return v == null || v instanceof String || v instanceof Number || v instanceof Boolean;
    }

    private static boolean scalarOrScalars(Object v) {
        if (v instanceof List<?> l) {
            for (Object o : l) {
                if (!scalar(o)) {
                    return false;
                }
            }
            return true;
        }
        return scalar(v);
    }
}
