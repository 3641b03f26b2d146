package io.dls.job.decode;

import io.dls.job.normalize.Note;
import org.msgpack.core.MessageFormat;
import org.msgpack.core.MessagePack;
import org.msgpack.core.MessageStringCodingException;
import org.msgpack.core.MessageUnpacker;
import org.msgpack.value.ImmutableValue;
import org.msgpack.value.Value;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** msgpack record bytes to plain Java values (Map, List, String, Long, Double, Boolean, null). */
public final class Msgpack {
    /**
     * Deepest map/array nesting accepted. The receiver refuses frames nested deeper than 64 (its
     * max_nesting_depth), so only records written to the raw topic by something else get near this; the
     * bound keeps decoding (recursive in msgpack-java and here) far from a StackOverflowError.
     */
    public static final int MAX_DEPTH = 100;
    /**
     * Most values (of any kind, at any depth) in one record: msgpack-java allocates a container's slots
     * before reading them, so a few bytes declaring millions of nils would otherwise cost gigabytes.
     */
    public static final int MAX_VALUES = 100_000;
    /**
     * Longest map key kept whole. JSON readers have limits of their own (Jackson 2.16+ refuses names over
     * 50,000 characters), and every consumer of the output topics must be able to read them.
     */
    public static final int MAX_KEY_CHARS = 1024;

    /** The record map, and what decoding had to change in it. */
    public record Decoded(Map<String, Object> record, List<Note> notes) {
    }

    private Msgpack() {
    }

    /** @throws IllegalArgumentException with the reason when the bytes are not exactly one msgpack map */
    public static Decoded decodeMap(byte[] bytes) {
        if (bytes == null || bytes.length == 0) {
            throw new IllegalArgumentException("empty value");
        }
        try {
            checkShape(bytes);
            try (MessageUnpacker u = MessagePack.newDefaultUnpacker(bytes)) {
                ImmutableValue v = u.unpackValue();
                if (!v.isMapValue()) {
                    throw new IllegalArgumentException("value is a msgpack " + v.getValueType() + ", not a map");
                }
                List<Note> notes = new ArrayList<>();
                @SuppressWarnings("unchecked")
                Map<String, Object> map = (Map<String, Object>) toJava(v, notes);
                return new Decoded(map, List.copyOf(notes));
            }
        } catch (IOException | org.msgpack.core.MessagePackException e) {
            throw new IllegalArgumentException("not msgpack: " + e.getMessage(), e);
        }
    }

    /**
     * Walks the value without building it (iteratively, so any depth is safe): one value, no trailing bytes,
     * nesting and value count within bounds, every declared length backed by bytes.
     */
    private static void checkShape(byte[] bytes) throws IOException {
        try (MessageUnpacker u = MessagePack.newDefaultUnpacker(bytes)) {
            long[] left = new long[MAX_DEPTH + 1]; // values still to read in each open container
            int depth = 0;
            left[0] = 1;
            long values = 0;
            while (depth >= 0) {
                if (left[depth] == 0) {
                    depth--;
                    continue;
                }
                left[depth]--;
                if (++values > MAX_VALUES) {
                    throw new IllegalArgumentException("record has more than " + MAX_VALUES + " values");
                }
                MessageFormat f = u.getNextFormat();
                long n;
                switch (f.getValueType()) {
                    case MAP -> n = 2L * u.unpackMapHeader();
                    case ARRAY -> n = u.unpackArrayHeader();
                    default -> {
                        u.skipValue();
                        continue;
                    }
                }
                if (depth + 1 > MAX_DEPTH) {
                    throw new IllegalArgumentException("record is nested deeper than " + MAX_DEPTH + " levels");
                }
                // Each value takes at least one byte: a larger count cannot be honest.
                if (n > bytes.length) {
                    throw new IllegalArgumentException("not msgpack: a container declares " + n
                            + " values in a " + bytes.length + "-byte record");
                }
                left[++depth] = n;
            }
            if (u.hasNext()) {
                throw new IllegalArgumentException("trailing bytes after the record map");
            }
        }
    }

    static Object toJava(Value v, List<Note> notes) {
        switch (v.getValueType()) {
            case NIL:
                return null;
            case BOOLEAN:
                return v.asBooleanValue().getBoolean();
            case INTEGER:
                return v.asIntegerValue().isInLongRange() ? (Object) v.asIntegerValue().toLong()
                        : v.asIntegerValue().toBigInteger().toString();
            case FLOAT:
                return v.asFloatValue().toDouble();
            case STRING:
                return text(v, notes);
            case BINARY:
                // Agents send text as bin too (Fluentd's old msgpack); keep valid UTF-8 as text.
                byte[] b = v.asBinaryValue().asByteArray();
                String s = new String(b, StandardCharsets.UTF_8);
                return s.contains("\uFFFD") ? Base64.getEncoder().encodeToString(b) : s;
            case ARRAY: {
                List<Object> list = new ArrayList<>();
                for (Value e : v.asArrayValue()) {
                    list.add(toJava(e, notes));
                }
                return list;
            }
            case MAP: {
                Map<String, Object> map = new LinkedHashMap<>();
                for (Map.Entry<Value, Value> e : v.asMapValue().entrySet()) {
                    String key = key(e.getKey(), notes);
                    int before = map.size();
                    map.put(key, toJava(e.getValue(), notes));
                    if (map.size() == before) {
                        note(notes, Note.DUPLICATE_KEY, "key '" + clip(key) + "' occurs twice in a map, the later value kept");
                    }
                }
                return map;
            }
            default:
                return v.toString();
        }
    }

    private static String key(Value k, List<Note> notes) {
        String s;
        if (k.isStringValue()) {
            s = text(k, notes);
        } else {
            // JSON object keys are strings: an integer, nil or map key becomes its msgpack-java JSON text.
            s = k.toString();
            note(notes, Note.NON_STRING_KEY, k.getValueType().name().toLowerCase(java.util.Locale.ROOT) + " key "
                    + clip(s) + " kept as text");
        }
        if (s.length() <= MAX_KEY_CHARS) {
            return s;
        }
        note(notes, Note.TRUNCATED, "a key of " + s.length() + " characters cut to " + MAX_KEY_CHARS);
        // The hash of the whole key keeps two long keys with the same beginning apart.
        int end = MAX_KEY_CHARS - 9;
        if (Character.isHighSurrogate(s.charAt(end - 1))) {
            end--;
        }
        return s.substring(0, end) + "~" + String.format("%08x", s.hashCode());
    }

    private static String text(Value v, List<Note> notes) {
        try {
            return v.asStringValue().asString();
        } catch (MessageStringCodingException e) {
            // JSON cannot carry the broken bytes; the rest of the string is worth keeping.
            note(notes, Note.INVALID_UTF8, "a string that was not UTF-8 kept with U+FFFD for the bad bytes");
            return v.asStringValue().toString();
        }
    }

    /** One note per kind of change: a map with 10,000 integer keys needs one sentence, not 10,000. */
    private static void note(List<Note> notes, String tag, String text) {
        for (Note n : notes) {
            if (n.tag().equals(tag)) {
                return;
            }
        }
        notes.add(new Note(tag, text));
    }

    private static String clip(String s) {
        return s.length() <= 40 ? s : s.substring(0, 40) + "...";
    }
}
