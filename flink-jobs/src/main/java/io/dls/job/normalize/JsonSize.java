package io.dls.job.normalize;

import java.util.List;
import java.util.Map;

/**
 * The length of the JSON the job writes for a plain value (what Jackson writes for maps, lists, strings,
 * numbers, booleans and null), computed without writing it. Exact for ASCII and escapes; characters outside
 * the Basic Multilingual Plane count as Jackson's default \\uXXXX pairs, so it never underestimates.
 */
public final class JsonSize {
    private JsonSize() {
    }

    public static long of(Object v) {
        if (v == null) {
            return 4;
        }
        if (v instanceof String s) {
            return 2 + of(s);
        }
        if (v instanceof Map<?, ?> m) {
            long n = 2 + Math.max(0, m.size() - 1);
            for (Map.Entry<?, ?> e : m.entrySet()) {
                n += 2 + of(String.valueOf(e.getKey())) + 1 + of(e.getValue());
            }
            return n;
        }
        if (v instanceof List<?> l) {
            long n = 2 + Math.max(0, l.size() - 1);
            for (Object o : l) {
                n += of(o);
            }
            return n;
        }
        if (v instanceof Double d && (d.isNaN() || d.isInfinite())) {
            return 2 + String.valueOf(d).length(); // written as a string
        }
        return String.valueOf(v).length();
    }

    /** Bytes of a string's JSON text, without the quotes. */
    public static long of(String s) {
        long n = 0;
        for (int i = 0; i < s.length(); i++) {
            n += width(s.charAt(i));
        }
        return n;
    }

    /** Bytes of one UTF-16 unit in JSON text (a surrogate half is written as a \\uXXXX escape). */
    static int width(char c) {
        if (c < 0x20) {
            return c == '\n' || c == '\r' || c == '\t' || c == '\b' || c == '\f' ? 2 : 6;
        }
        if (c == '"' || c == '\\') {
            return 2;
        }
        if (c < 0x80) {
            return 1;
        }
        if (c < 0x800) {
            return 2;
        }
        return Character.isSurrogate(c) ? 6 : 3;
    }
}
