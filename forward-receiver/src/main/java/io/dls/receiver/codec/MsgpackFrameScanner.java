package io.dls.receiver.codec;

import io.netty.buffer.ByteBuf;

/**
 * Finds where one msgpack value ends in a growing buffer without decoding or allocating it.
 *
 * <p>The scan is resumable: when the buffer ends mid-value, the position and the stack of open containers
 * are kept, and the next call continues where this one stopped, so a large frame arriving in many reads
 * is walked once. Declared lengths are checked against the frame limit before any byte of them is awaited,
 * so a header that announces 4 GiB is refused at once instead of being buffered.
 */
final class MsgpackFrameScanner {
    private final long maxFrameBytes;
    private final int maxDepth;

    private long[] remaining;
    private int depth;
    private long pos;
    private boolean started;

    MsgpackFrameScanner(long maxFrameBytes, int maxDepth) {
        this.maxFrameBytes = maxFrameBytes;
        this.maxDepth = maxDepth;
        this.remaining = new long[Math.min(maxDepth, 16) + 1];
    }

    /** Forgets the current frame; the next scan starts a new one. */
    void reset() {
        depth = 0;
        pos = 0;
        started = false;
    }

    /** Bytes of the frame seen so far (for the chunk_size_limit check while it is incomplete). */
    long scannedBytes() {
        return pos;
    }

    /**
     * Scans from {@code buf.readerIndex()} (the frame start) over the readable bytes.
     *
     * @return the frame length once the whole value is in the buffer, or -1 if more bytes are needed
     */
    long scan(ByteBuf buf) {
        final int base = buf.readerIndex();
        final long available = buf.readableBytes();
        while (true) {
            if (started && depth == 0) {
                return pos;
            }
            if (pos >= available) {
                return -1;
            }
            int b = buf.getUnsignedByte(base + (int) pos);
            long headerLen;
            long payloadLen = 0;
            long children = 0;
            if (b <= 0x7f || b >= 0xe0 || b == 0xc0 || b == 0xc2 || b == 0xc3) {
                headerLen = 1;
            } else if (b >= 0x80 && b <= 0x8f) {
                headerLen = 1;
                children = 2L * (b & 0x0f);
            } else if (b >= 0x90 && b <= 0x9f) {
                headerLen = 1;
                children = b & 0x0f;
            } else if (b >= 0xa0 && b <= 0xbf) {
                headerLen = 1;
                payloadLen = b & 0x1f;
            } else {
                switch (b) {
                    case 0xc4, 0xd9 -> { headerLen = 2; if (!has(available, 2)) return -1; payloadLen = u8(buf, base, 1); }
                    case 0xc5, 0xda -> { headerLen = 3; if (!has(available, 3)) return -1; payloadLen = u16(buf, base, 1); }
                    case 0xc6, 0xdb -> { headerLen = 5; if (!has(available, 5)) return -1; payloadLen = u32(buf, base, 1); }
                    case 0xc7 -> { headerLen = 3; if (!has(available, 3)) return -1; payloadLen = u8(buf, base, 1); }
                    case 0xc8 -> { headerLen = 4; if (!has(available, 4)) return -1; payloadLen = u16(buf, base, 1); }
                    case 0xc9 -> { headerLen = 6; if (!has(available, 6)) return -1; payloadLen = u32(buf, base, 1); }
                    case 0xca -> headerLen = 5;
                    case 0xcb -> headerLen = 9;
                    case 0xcc, 0xd0 -> headerLen = 2;
                    case 0xcd, 0xd1 -> headerLen = 3;
                    case 0xce, 0xd2 -> headerLen = 5;
                    case 0xcf, 0xd3 -> headerLen = 9;
                    case 0xd4 -> headerLen = 3;
                    case 0xd5 -> headerLen = 4;
                    case 0xd6 -> headerLen = 6;
                    case 0xd7 -> headerLen = 10;
                    case 0xd8 -> headerLen = 18;
                    case 0xdc -> { headerLen = 3; if (!has(available, 3)) return -1; children = u16(buf, base, 1); }
                    case 0xdd -> { headerLen = 5; if (!has(available, 5)) return -1; children = u32(buf, base, 1); }
                    case 0xde -> { headerLen = 3; if (!has(available, 3)) return -1; children = 2 * u16(buf, base, 1); }
                    case 0xdf -> { headerLen = 5; if (!has(available, 5)) return -1; children = 2 * u32(buf, base, 1); }
                    default -> throw new ProtocolException("bad_type",
                            String.format("byte 0x%02x at offset %d is not a msgpack type", b, pos));
                }
            }
            long end = pos + headerLen + payloadLen;
            // Every child takes at least one byte, so a count beyond the limit can never fit either.
            if (end > maxFrameBytes || end + children > maxFrameBytes) {
                throw new ProtocolException("too_large", "frame declares " + (end + children)
                        + " bytes or more, over chunk_size_limit " + maxFrameBytes);
            }
            if (end > available) {
                return -1;
            }
            pos = end;
            started = true;
            if (children > 0) {
                if (depth + 1 > maxDepth) {
                    throw new ProtocolException("too_deep", "nesting deeper than " + maxDepth + " levels");
                }
                if (depth + 1 >= remaining.length) {
                    remaining = java.util.Arrays.copyOf(remaining, Math.min(maxDepth + 1, remaining.length * 2));
                }
                remaining[++depth] = children;
            } else {
                completeValue();
            }
        }
    }

    private void completeValue() {
        while (depth > 0) {
            if (--remaining[depth] > 0) {
                return;
            }
            depth--;
        }
    }

    private boolean has(long available, int headerLen) {
        return pos + headerLen <= available;
    }

    private long u8(ByteBuf buf, int base, int off) {
        return buf.getUnsignedByte(base + (int) pos + off);
    }

    private long u16(ByteBuf buf, int base, int off) {
        return buf.getUnsignedShort(base + (int) pos + off);
    }

    private long u32(ByteBuf buf, int base, int off) {
        return buf.getUnsignedInt(base + (int) pos + off);
    }
}
