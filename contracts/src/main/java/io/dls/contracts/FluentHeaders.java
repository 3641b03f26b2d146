package io.dls.contracts;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The Kafka headers of the raw topics (contract 1), written by the receiver and read by the pipeline job and
 * {@code ./dls tail}: their names and the codecs of their values.
 */
public final class FluentHeaders {
    /** 8 bytes: seconds then nanoseconds, unsigned big-endian; only when the client sent sub-second precision. */
    public static final String TIME = "fluent.time";
    /** UTF-8 "chunk id#index": the chunk id as the client sent it, and the event's index in the chunk. */
    public static final String CHUNK = "fluent.chunk";
    /** The peer address, when the receiver is told to add it. */
    public static final String SOURCE = "fluent.source";
    /** Fluent Bit's per-event metadata map, msgpack bytes as sent ({@code [[time, {metadata}], record]}). */
    public static final String METADATA = "fluent.metadata";
    /** On metrics.raw / traces.raw: which Fluent Bit signal the chunk holds, {@code metrics} or {@code traces} (ASCII). */
    public static final String SIGNAL = "fluent.signal";
    /** On an event stored cut to fit Kafka: its original size in bytes, as ASCII digits. */
    public static final String TRUNCATED = "fluent.truncated";

    private static final char CHUNK_SEPARATOR = '#';

    private FluentHeaders() {
    }

    /** A fluent.time value. @throws IllegalArgumentException for nanoseconds outside 0..999,999,999 */
    public static byte[] time(long seconds, int nanos) {
        if (nanos < 0 || nanos > 999_999_999) {
            throw new IllegalArgumentException("nanoseconds out of range: " + nanos);
        }
        return new byte[]{(byte) (seconds >>> 24), (byte) (seconds >>> 16), (byte) (seconds >>> 8), (byte) seconds,
                (byte) (nanos >>> 24), (byte) (nanos >>> 16), (byte) (nanos >>> 8), (byte) nanos};
    }

    /** A decoded fluent.time value. */
    public record Time(long seconds, int nanos) {
    }

    /** @throws IllegalArgumentException when the value is not 8 bytes or its nanoseconds are out of range */
    public static Time time(byte[] value) {
        if (value == null || value.length != 8) {
            throw new IllegalArgumentException(TIME + " header must be 8 bytes, was "
                    + (value == null ? "missing" : value.length));
        }
        long seconds = ((value[0] & 0xffL) << 24) | ((value[1] & 0xffL) << 16) | ((value[2] & 0xffL) << 8)
                | (value[3] & 0xffL);
        int nanos = ((value[4] & 0xff) << 24) | ((value[5] & 0xff) << 16) | ((value[6] & 0xff) << 8) | (value[7] & 0xff);
        if (nanos < 0 || nanos > 999_999_999) {
            throw new IllegalArgumentException(TIME + " header has nanoseconds " + nanos);
        }
        return new Time(seconds, nanos);
    }

    /** The chunk id followed by the separator: computed once per chunk, then {@link #chunk(byte[], int)} per event. */
    public static byte[] chunkPrefix(byte[] chunkId) {
        byte[] out = Arrays.copyOf(chunkId, chunkId.length + 1);
        out[chunkId.length] = (byte) CHUNK_SEPARATOR;
        return out;
    }

    /** A fluent.chunk value from a {@link #chunkPrefix} and the event's index in the chunk. */
    public static byte[] chunk(byte[] prefix, int index) {
        if (index < 0) {
            throw new IllegalArgumentException("negative index " + index);
        }
        int digits = index < 10 ? 1 : (int) Math.log10(index) + 1;
        byte[] out = Arrays.copyOf(prefix, prefix.length + digits);
        for (int d = out.length - 1, v = index; d >= prefix.length; d--, v /= 10) {
            out[d] = (byte) ('0' + v % 10);
        }
        return out;
    }

    /** A decoded fluent.chunk value: the chunk id as text (it may end in a newline: Fluentd's does). */
    public record Chunk(String chunkId, int index) {
    }

    /** @throws IllegalArgumentException when the value has no separator followed by an index */
    public static Chunk chunk(byte[] value) {
        String s = new String(value, StandardCharsets.UTF_8);
        int sep = s.lastIndexOf(CHUNK_SEPARATOR);
        if (sep < 0 || sep == s.length() - 1) {
            throw new IllegalArgumentException(CHUNK + " header has no '#index': " + s);
        }
        try {
            return new Chunk(s.substring(0, sep), Integer.parseInt(s.substring(sep + 1)));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(CHUNK + " header has no '#index': " + s);
        }
    }

    /** A number header (fluent.truncated) as ASCII digits. */
    public static byte[] number(long value) {
        return Long.toString(value).getBytes(StandardCharsets.US_ASCII);
    }

    /** @throws IllegalArgumentException when the value is not ASCII digits */
    public static long number(byte[] value) {
        return Long.parseLong(new String(value, StandardCharsets.US_ASCII));
    }
}
