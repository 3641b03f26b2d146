package io.dls.receiver.codec;

/**
 * Bounds that keep hostile input from costing memory.
 *
 * @param maxChunkBytes        largest frame accepted (Fluentd's chunk_size_limit)
 * @param maxDecompressedBytes largest entries stream after gzip/zstd decompression
 * @param maxDepth             deepest nesting of arrays and maps
 */
public record CodecLimits(long maxChunkBytes, long maxDecompressedBytes, int maxDepth) {
    public CodecLimits {
        if (maxChunkBytes < 1024 || maxChunkBytes > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("chunk_size_limit must be between 1 KiB and 2 GiB, was " + maxChunkBytes);
        }
        if (maxDecompressedBytes < 1024 || maxDecompressedBytes > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException(
                    "decompressed_size_limit must be between 1 KiB and 2 GiB, was " + maxDecompressedBytes);
        }
        if (maxDepth < 4 || maxDepth > 10_000) {
            throw new IllegalArgumentException("max_nesting_depth must be between 4 and 10000, was " + maxDepth);
        }
    }

    public static CodecLimits defaults() {
        return new CodecLimits(32L << 20, 128L << 20, 64);
    }
}
