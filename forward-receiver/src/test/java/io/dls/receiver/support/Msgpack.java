package io.dls.receiver.support;

import org.msgpack.core.MessageBufferPacker;
import org.msgpack.core.MessagePack;
import org.msgpack.core.MessageUnpacker;
import org.msgpack.value.Value;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.zip.GZIPOutputStream;

/** Small helpers to write forward-protocol frames by hand in tests. */
public final class Msgpack {
    private Msgpack() {
    }

    @FunctionalInterface
    public interface Writer {
        void write(MessageBufferPacker p) throws IOException;
    }

    public static byte[] pack(Writer w) {
        try (MessageBufferPacker p = MessagePack.newDefaultBufferPacker()) {
            w.write(p);
            return p.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A flat map of string keys to string or long values. */
    public static byte[] record(Map<String, ?> fields) {
        return pack(p -> writeRecord(p, fields));
    }

    public static void writeRecord(MessageBufferPacker p, Map<String, ?> fields) throws IOException {
        p.packMapHeader(fields.size());
        for (Map.Entry<String, ?> e : fields.entrySet()) {
            p.packString(e.getKey());
            Object v = e.getValue();
            if (v instanceof Number n) {
                p.packLong(n.longValue());
            } else if (v == null) {
                p.packNil();
            } else {
                p.packString(v.toString());
            }
        }
    }

    public static void eventTime(MessageBufferPacker p, long seconds, int nanos) throws IOException {
        p.packExtensionTypeHeader((byte) 0, 8);
        p.writePayload(new byte[]{(byte) (seconds >>> 24), (byte) (seconds >>> 16), (byte) (seconds >>> 8),
                (byte) seconds, (byte) (nanos >>> 24), (byte) (nanos >>> 16), (byte) (nanos >>> 8), (byte) nanos});
    }

    public static Value read(byte[] bytes) {
        try (MessageUnpacker u = MessagePack.newDefaultUnpacker(bytes)) {
            return u.unpackValue();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * A CompressedPackedForward message: {@code [tag, bin(entries), {"compressed": method}]}, the entries
     * already compressed with {@code method} (or raw for {@code "text"}).
     */
    public static byte[] compressedForward(String tag, byte[] entries, String method) {
        return pack(p -> {
            p.packArrayHeader(3).packString(tag).packBinaryHeader(entries.length).writePayload(entries);
            p.packMapHeader(1).packString("compressed").packString(method);
        });
    }

    /** One gzip member holding {@code data}. */
    public static byte[] gzip(byte[] data) {
        return gzip(data, 1);
    }

    /** One gzip member holding {@code data} {@code times} over, without that much in memory (for bombs). */
    public static byte[] gzip(byte[] data, int times) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            for (int i = 0; i < times; i++) {
                gz.write(data);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    public static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] part : parts) {
            out.writeBytes(part);
        }
        return out.toByteArray();
    }

    public static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
