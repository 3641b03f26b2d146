package io.dls.job.decode;

import io.dls.job.normalize.Note;
import org.msgpack.core.MessageFormat;
import org.msgpack.core.MessagePack;
import org.msgpack.core.MessageUnpacker;
import org.msgpack.value.Value;
import org.msgpack.value.ValueType;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
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
        try (MessageUnpacker u = MessagePack.newDefaultUnpacker(bytes)) {
            ValueType type = u.getNextFormat().getValueType();
            if (type != ValueType.MAP) {
                checkShape(bytes); // a broken value says so before it is called the wrong kind
                throw new IllegalArgumentException("value is a msgpack " + type + ", not a map");
            }
            Reader reader = new Reader(u, bytes);
            @SuppressWarnings("unchecked")
            Map<String, Object> map = (Map<String, Object>) reader.value(0);
            if (u.hasNext()) {
                throw new IllegalArgumentException("trailing bytes after the record map");
            }
            return new Decoded(map, List.copyOf(reader.notes));
        } catch (IOException | org.msgpack.core.MessagePackException e) {
            throw new IllegalArgumentException("not msgpack: " + e.getMessage(), e);
        }
    }

    /**
     * Reads a record straight into plain Java values in one pass, checking the bounds as it goes: nesting,
     * value count, and that every declared length is backed by bytes (so a few bytes cannot make it allocate
     * much). Recursion is bounded by {@link #MAX_DEPTH}.
     */
    private static final class Reader {
        private final MessageUnpacker u;
        private final byte[] bytes;
        private final List<Note> notes = new ArrayList<>();
        private long values;

        Reader(MessageUnpacker u, byte[] bytes) {
            this.u = u;
            this.bytes = bytes;
        }

        /** @param depth containers around this value */
        Object value(int depth) throws IOException {
            if (++values > MAX_VALUES) {
                throw new IllegalArgumentException("record has more than " + MAX_VALUES + " values");
            }
            MessageFormat f = u.getNextFormat();
            switch (f.getValueType()) {
                case NIL:
                    u.unpackNil();
                    return null;
                case BOOLEAN:
                    return u.unpackBoolean();
                case INTEGER:
                    if (f == MessageFormat.UINT64) {
                        BigInteger big = u.unpackBigInteger();
                        return big.bitLength() < 64 ? (Object) big.longValue() : big.toString();
                    }
                    return u.unpackLong();
                case FLOAT:
                    return u.unpackDouble();
                case STRING:
                    return text(payload(u.unpackRawStringHeader()), notes);
                case BINARY: {
                    // Agents send text as bin too (Fluentd's old msgpack); keep valid UTF-8 as text.
                    byte[] b = payload(u.unpackBinaryHeader());
                    String s = new String(b, StandardCharsets.UTF_8);
                    return s.contains("\uFFFD") ? Base64.getEncoder().encodeToString(b) : s;
                }
                case ARRAY: {
                    int n = u.unpackArrayHeader();
                    enter(depth, n);
                    List<Object> list = new ArrayList<>(Math.min(n, 16));
                    for (int i = 0; i < n; i++) {
                        list.add(value(depth + 1));
                    }
                    return list;
                }
                case MAP: {
                    int n = u.unpackMapHeader();
                    enter(depth, 2L * n);
                    Map<String, Object> map = new LinkedHashMap<>();
                    for (int i = 0; i < n; i++) {
                        String key = key(depth + 1);
                        int before = map.size();
                        map.put(key, value(depth + 1));
                        if (map.size() == before) {
                            note(notes, Note.DUPLICATE_KEY, "key '" + clip(key) + "' occurs twice in a map, the later value kept");
                        }
                    }
                    return map;
                }
                default: { // extension types, as msgpack-java prints them
                    int start = (int) u.getTotalReadBytes();
                    payload(u.unpackExtensionTypeHeader().getLength());
                    return again(start).toString();
                }
            }
        }

        /** The next {@code length} bytes, once it is clear the record has them. */
        private byte[] payload(int length) throws IOException {
            if (length > bytes.length - u.getTotalReadBytes()) {
                throw new IllegalArgumentException("not msgpack: a value declares " + Integer.toUnsignedString(length)
                        + " bytes past the end of a " + bytes.length + "-byte record");
            }
            return u.readPayload(length);
        }

        /** The value that starts at {@code start} and ends where the reader is, read again by msgpack-java. */
        private Value again(int start) throws IOException {
            int end = (int) u.getTotalReadBytes();
            try (MessageUnpacker unpacker = MessagePack.newDefaultUnpacker(bytes, start, end - start)) {
                return unpacker.unpackValue();
            }
        }

        private void enter(int depth, long declared) {
            if (depth + 1 > MAX_DEPTH) {
                throw new IllegalArgumentException("record is nested deeper than " + MAX_DEPTH + " levels");
            }
            // Each value takes at least one byte: a larger count cannot be honest.
            if (declared > bytes.length) {
                throw new IllegalArgumentException("not msgpack: a container declares " + declared
                        + " values in a " + bytes.length + "-byte record");
            }
        }

        private String key(int depth) throws IOException {
            if (u.getNextFormat().getValueType() == ValueType.STRING) {
                return cutKey(text(payload(u.unpackRawStringHeader()), notes), notes);
            }
            // JSON object keys are strings: an integer, nil or map key becomes its msgpack-java JSON text.
            // Read it within the bounds first, then print it from its bytes.
            int start = (int) u.getTotalReadBytes();
            value(depth);
            Value k = again(start);
            String s = k.toString();
            note(notes, Note.NON_STRING_KEY, k.getValueType().name().toLowerCase(java.util.Locale.ROOT) + " key "
                    + clip(s) + " kept as text");
            return cutKey(s, notes);
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

    /** A key, cut when it is too long (with the hash of the whole key, so two long keys stay apart). */
    private static String cutKey(String s, List<Note> notes) {
        if (s.length() <= MAX_KEY_CHARS) {
            return s;
        }
        note(notes, Note.TRUNCATED, "a key of " + s.length() + " characters cut to " + MAX_KEY_CHARS);
        int end = MAX_KEY_CHARS - 9;
        if (Character.isHighSurrogate(s.charAt(end - 1))) {
            end--;
        }
        return s.substring(0, end) + "~" + String.format("%08x", s.hashCode());
    }

    /**
     * UTF-8 text. Broken bytes become U+FFFD (JSON cannot carry them, and the rest of the string is worth
     * keeping), and the event says so; only a string that shows a U+FFFD is checked strictly.
     */
    private static String text(byte[] b, List<Note> notes) {
        String s = new String(b, StandardCharsets.UTF_8);
        if (s.indexOf('\uFFFD') >= 0 && !validUtf8(b)) {
            note(notes, Note.INVALID_UTF8, "a string that was not UTF-8 kept with U+FFFD for the bad bytes");
        }
        return s;
    }

    private static boolean validUtf8(byte[] b) {
        try {
            StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(b));
            return true;
        } catch (CharacterCodingException e) {
            return false;
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
