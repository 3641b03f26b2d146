package io.dls.job.normalize;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Keeps an event's JSON under a byte limit by cutting its longest strings (and, only if that cannot do it,
 * dropping {@code fields} and {@code error}), and notes what was cut and how long it was. A record Kafka
 * refuses (max.request.size) or Elasticsearch cannot take would fail the job again after every restart;
 * the whole record stays readable in the raw topic, whose place the note names.
 */
public final class EventSize {
    /** Strings are never cut shorter than this. */
    private static final int MIN_CUT = 64;
    /** Cuts named in the note; the rest are counted. */
    private static final int NAMED_CUTS = 5;
    /** Room left for the note itself (event.reason is at most 1000 characters, plus its tag). */
    private static final int NOTE_ROOM = 1100;

    private EventSize() {
    }

    private static String origin(String topic, int partition, long offset) {
        return topic + " partition " + partition + " offset " + offset;
    }

    /**
     * @param maxBytes   the limit for the event's JSON
     * @param rawBytes   size of the record's msgpack: an event of a small record cannot be over the limit
     *                   (msgpack is at most ~20 times denser than its JSON), so most events are not measured
     * @param topic      where the whole record is, for the note (built only for an event that is cut)
     */
    public static void fit(LogEvent e, int maxBytes, long rawBytes, String topic, int partition, long offset) {
        long tagBytes = e.dataset == null ? 0 : 6L * e.dataset.length();
        if (rawBytes * 20 + tagBytes + 8192 <= maxBytes) {
            return;
        }
        long size = JsonSize.of(e.toDocument());
        if (size <= maxBytes) {
            return;
        }
        Map<String, Long> cuts = new LinkedHashMap<>();
        int cap = maxBytes / 4;
        while (true) {
            Cutter c = new Cutter(cap, cuts);
            e.message = c.text(e.message, "message");
            e.service = c.text(e.service, "service.name");
            e.host = c.text(e.host, "host.name");
            e.status = c.text(e.status, "status");
            e.dataset = c.text(e.dataset, "event.dataset");
            e.error = c.map(e.error, "error");
            e.fields = c.map(e.fields, "fields");
            if (JsonSize.of(e.toDocument()) <= maxBytes - NOTE_ROOM) {
                e.note(new Note(Note.TRUNCATED, "event was " + size + " bytes as JSON, over --max-event-bytes "
                        + maxBytes + ": " + describe(cuts) + " cut to at most " + cap + " bytes each; the whole record is "
                        + origin(topic, partition, offset)));
                return;
            }
            if (cap == MIN_CUT) {
                break;
            }
            cap = Math.max(MIN_CUT, cap / 4);
        }
        // Not long strings but a great many values: only the original fields can hold that many.
        e.fields = null;
        e.error = null;
        e.note(new Note(Note.TRUNCATED, "event was " + size + " bytes as JSON, over --max-event-bytes " + maxBytes
                + " even with its strings cut: fields and error dropped; the whole record is " + origin(topic, partition, offset)));
    }

    private static String describe(Map<String, Long> cuts) {
        List<String> named = new ArrayList<>();
        for (Map.Entry<String, Long> c : cuts.entrySet()) {
            if (named.size() == NAMED_CUTS) {
                named.add("and " + (cuts.size() - NAMED_CUTS) + " more");
                break;
            }
            named.add(c.getKey() + " (" + c.getValue() + " bytes)");
        }
        return String.join(", ", named);
    }

    /** Cuts strings (and map keys) longer than {@code cap} bytes, remembering each one's first length. */
    private static final class Cutter {
        private final int cap;
        private final Map<String, Long> cuts;

        Cutter(int cap, Map<String, Long> cuts) {
            this.cap = cap;
            this.cuts = cuts;
        }

        String text(String s, String path) {
            if (s == null || s.length() <= cap / 6) {
                return s; // cannot be longer than cap as JSON
            }
            long n = JsonSize.of(s);
            if (n <= cap) {
                return s;
            }
            cuts.putIfAbsent(path, n);
            return prefix(s, cap);
        }

        @SuppressWarnings("unchecked")
        Object value(Object v, String path) {
            if (v instanceof String s) {
                return text(s, path);
            }
            if (v instanceof Map<?, ?> m) {
                return map((Map<String, Object>) m, path);
            }
            if (v instanceof List<?> l) {
                List<Object> out = new ArrayList<>(l.size());
                for (Object o : l) {
                    out.add(value(o, path + "[]"));
                }
                return out;
            }
            return v;
        }

        Map<String, Object> map(Map<String, Object> m, String path) {
            if (m == null) {
                return null;
            }
            Map<String, Object> out = new LinkedHashMap<>();
            for (Map.Entry<String, Object> e : m.entrySet()) {
                String key = text(e.getKey(), path + " key");
                while (out.containsKey(key)) {
                    key = key + "~"; // two long keys cut to the same prefix stay two keys
                }
                out.put(key, value(e.getValue(), path + "." + shortKey(e.getKey())));
            }
            return out;
        }

        private static String shortKey(String k) {
            return k.length() <= 40 ? k : k.substring(0, 40) + "...";
        }
    }

    /** The longest prefix of {@code s} whose JSON text fits {@code maxBytes}, never splitting a character. */
    static String prefix(String s, int maxBytes) {
        long n = 0;
        int i = 0;
        while (i < s.length()) {
            int units = Character.isHighSurrogate(s.charAt(i)) && i + 1 < s.length()
                    && Character.isLowSurrogate(s.charAt(i + 1)) ? 2 : 1;
            long w = JsonSize.width(s.charAt(i)) + (units == 2 ? JsonSize.width(s.charAt(i + 1)) : 0);
            if (n + w > maxBytes) {
                break;
            }
            n += w;
            i += units;
        }
        return s.substring(0, i);
    }
}
