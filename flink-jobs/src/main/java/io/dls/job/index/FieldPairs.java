package io.dls.job.index;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * The original fields of an event as {@code name=value} keywords ({@code fields_kv} in Elasticsearch), so that
 * any field is found by its exact value ({@code fields_kv:"user_id=42"}) while the index maps one field for all
 * of them, however many distinct names the records carry. Nested names are joined with dots
 * ({@code http.status=500}); each element of an array is a pair of its own; null, and maps and arrays that are
 * empty, give none. The budget keeps one record from making a document of its own size: pairs beyond
 * {@link #MAX_PAIRS} are left out (the values stay in {@code _source}), and so are values over
 * {@link #MAX_VALUE_CHARS} characters (a keyword that long is not worth an exact match).
 */
public final class FieldPairs {
    public static final int MAX_PAIRS = 500;
    public static final int MAX_VALUE_CHARS = 512;
    /** Deeper than this, a value is not walked further. */
    private static final int MAX_DEPTH = 20;

    private FieldPairs() {
    }

    /** The pairs of a {@code fields} object, in document order. */
    public static List<String> of(JsonNode fields) {
        return of(fields, "");
    }

    /** The pairs of an object, each name behind {@code prefix} ({@code metadata.}). */
    public static List<String> of(JsonNode object, String prefix) {
        List<String> out = new ArrayList<>();
        if (object != null && object.isObject()) {
            walk(prefix, object, out, 0);
        }
        return out;
    }

    private static void walk(String prefix, JsonNode node, List<String> out, int depth) {
        if (out.size() >= MAX_PAIRS || depth > MAX_DEPTH) {
            return;
        }
        if (node.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext() && out.size() < MAX_PAIRS; ) {
                Map.Entry<String, JsonNode> e = it.next();
                walk(prefix.isEmpty() || prefix.endsWith(".") ? prefix + e.getKey() : prefix + "." + e.getKey(),
                        e.getValue(), out, depth + 1);
            }
        } else if (node.isArray()) {
            for (JsonNode element : node) {
                walk(prefix, element, out, depth + 1);
            }
        } else if (!node.isNull()) {
            String value = node.asText();
            if (value.length() <= MAX_VALUE_CHARS) {
                out.add(prefix + "=" + value);
            }
        }
    }
}
