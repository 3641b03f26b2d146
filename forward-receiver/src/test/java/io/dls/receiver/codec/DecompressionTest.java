package io.dls.receiver.codec;

import com.github.luben.zstd.Zstd;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Random;
import java.util.zip.GZIPOutputStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Inflating CompressedPackedForward entries: exact bytes at any size up to the cap, a refusal past it. */
class DecompressionTest {

    private static byte[] gzip(byte[] plain) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream g = new GZIPOutputStream(out)) {
            g.write(plain);
        }
        return out.toByteArray();
    }

    private static byte[] sample(int size) {
        byte[] b = new byte[size];
        new Random(size).nextBytes(b);
        for (int i = 0; i < size; i += 3) {
            b[i] = 'a'; // compressible, not all zeros
        }
        return b;
    }

    @Test
    void everySizeComesBackExactlyAcrossBlocks() throws Exception {
        // Small chunks, one block exactly, and several blocks with a partial last one.
        for (int size : new int[]{0, 1, 5_000, 256 << 10, (256 << 10) + 1, 1 << 20, 3 * (1 << 20) + 12_345}) {
            byte[] plain = sample(size);
            byte[] z = gzip(plain);
            assertThat(Decompression.inflate("gzip", z, 0, z.length, 32L << 20)).as("gzip %d", size).isEqualTo(plain);
            byte[] zs = Zstd.compress(plain);
            assertThat(Decompression.inflate("zstd", zs, 0, zs.length, 32L << 20)).as("zstd %d", size).isEqualTo(plain);
        }
    }

    @Test
    void aChunkAtTheCapFitsAndOneByteMoreIsRefused() throws Exception {
        int cap = 2 * (1 << 20) + 7;
        byte[] atCap = gzip(sample(cap));
        assertThat(Decompression.inflate("gzip", atCap, 0, atCap.length, cap)).hasSize(cap);
        byte[] over = gzip(sample(cap + 1));
        assertThatThrownBy(() -> Decompression.inflate("gzip", over, 0, over.length, cap))
                .isInstanceOf(ProtocolException.class)
                .satisfies(e -> assertThat(((ProtocolException) e).reason()).isEqualTo("decompressed_too_large"));
    }
}
