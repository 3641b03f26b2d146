package io.dls.receiver.codec;

import com.github.luben.zstd.ZstdInputStream;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.zip.GZIPInputStream;

/** The {@code compressed} option of CompressedPackedForward, with a hard cap against decompression bombs. */
final class Decompression {
    private Decompression() {
    }

    /**
     * @param method the option's value, "gzip" or "zstd" ("text", Fluentd's word for not compressed, never
     *               reaches here)
     */
    static byte[] inflate(String method, byte[] data, int off, int len, long limit) {
        ByteArrayInputStream raw = new ByteArrayInputStream(data, off, len);
        try (InputStream in = switch (method) {
            // GZIPInputStream reads concatenated members, which Fluentd sends for multi-part chunks.
            case "gzip" -> new GZIPInputStream(raw, 8192);
            case "zstd" -> new ZstdInputStream(raw).setContinuous(false);
            default -> throw new ProtocolException("bad_compression", "unsupported compressed option '" + method + "'");
        }) {
            ByteArrayOutputStream out = new ByteArrayOutputStream(Math.min(len * 4, 1 << 20) + 64);
            byte[] buf = new byte[16384];
            long total = 0;
            int n;
            while ((n = in.read(buf)) > 0) {
                total += n;
                if (total > limit) {
                    throw new ProtocolException("decompressed_too_large",
                            method + " entries inflate past decompressed_size_limit " + limit + " bytes");
                }
                out.write(buf, 0, n);
            }
            return out.toByteArray();
        } catch (IOException e) {
            throw new ProtocolException("bad_compression", "corrupt " + method + " entries: " + e.getMessage(), e);
        }
    }
}
