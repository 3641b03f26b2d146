package io.dls.receiver.codec;

import com.github.luben.zstd.ZstdInputStream;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.GZIPInputStream;

/** The {@code compressed} option of CompressedPackedForward, with a hard cap against decompression bombs. */
final class Decompression {
    /**
     * The unit the inflated bytes are gathered in: well under half of G1's smallest region (1 MiB, what a 256 MiB
     * heap gets), so blocks are ordinary young objects; a block of 1 MiB would be humongous and take two regions.
     */
    private static final int BLOCK = 256 << 10;

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
            // Blocks rather than a doubling buffer: a doubling buffer holds its old and its new array at each
            // step (48 MiB for a 32 MiB cap) and copies once more at the end, and several bombs inflating at once
            // on the event loops ran a 256 MiB receiver out of heap. A bomb now costs at most the cap (plus a
            // block); the first block is sized for a usual chunk, so small chunks still take one small array.
            List<byte[]> full = new ArrayList<>();
            long total = 0;
            byte[] block = new byte[(int) Math.min(len * 4L + 64, BLOCK)];
            while (true) {
                int filled = 0;
                int n;
                while (filled < block.length && (n = in.read(block, filled, block.length - filled)) > 0) {
                    filled += n;
                }
                total += filled;
                if (total > limit) {
                    throw new ProtocolException("decompressed_too_large",
                            method + " entries inflate past decompressed_size_limit " + limit + " bytes");
                }
                if (filled < block.length) {
                    return join(full, block, filled, (int) total);
                }
                full.add(block);
                block = new byte[BLOCK];
            }
        } catch (IOException e) {
            throw new ProtocolException("bad_compression", "corrupt " + method + " entries: " + e.getMessage(), e);
        }
    }

    /** The full blocks, then the first {@code filled} bytes of the last one, in one array of {@code total}. */
    private static byte[] join(List<byte[]> full, byte[] last, int filled, int total) {
        if (full.isEmpty()) {
            return Arrays.copyOf(last, filled);
        }
        byte[] out = new byte[total];
        int pos = 0;
        for (byte[] b : full) {
            System.arraycopy(b, 0, out, pos, b.length);
            pos += b.length;
        }
        System.arraycopy(last, 0, out, pos, filled);
        return out;
    }
}
