package io.dls.receiver.codec;

import io.netty.buffer.ByteBuf;

/**
 * Finds where one JSON array or object ends in a growing buffer (Fluentd's JSON framing of the forward
 * protocol: one top-level array per message). Resumable like {@link MsgpackFrameScanner}; it tracks only
 * brackets and strings, the parse itself happens once the frame is complete.
 */
final class JsonFrameScanner {
    private final long maxFrameBytes;
    private final int maxDepth;

    private int depth;
    private long pos;
    private boolean inString;
    private boolean escaped;

    JsonFrameScanner(long maxFrameBytes, int maxDepth) {
        this.maxFrameBytes = maxFrameBytes;
        this.maxDepth = maxDepth;
    }

    void reset() {
        depth = 0;
        pos = 0;
        inString = false;
        escaped = false;
    }

    long scannedBytes() {
        return pos;
    }

    /** @return the frame length once the closing bracket is in the buffer, else -1 */
    long scan(ByteBuf buf) {
        final int base = buf.readerIndex();
        final int available = buf.readableBytes();
        while (pos < available) {
            if (pos >= maxFrameBytes) {
                throw new ProtocolException("too_large", "JSON frame larger than chunk_size_limit " + maxFrameBytes);
            }
            byte c = buf.getByte(base + (int) pos++);
            if (inString) {
                if (escaped) {
                    escaped = false;
                } else if (c == '\\') {
                    escaped = true;
                } else if (c == '"') {
                    inString = false;
                }
                continue;
            }
            switch (c) {
                case '"' -> inString = true;
                case '[', '{' -> {
                    if (++depth > maxDepth) {
                        throw new ProtocolException("too_deep", "JSON nesting deeper than " + maxDepth + " levels");
                    }
                }
                case ']', '}' -> {
                    if (--depth < 0) {
                        throw new ProtocolException("bad_json", "unbalanced '" + (char) c + "' in JSON frame");
                    }
                    if (depth == 0) {
                        return pos;
                    }
                }
                default -> {
                    if (depth == 0 && !isWhitespace(c)) {
                        throw new ProtocolException("bad_json", "JSON frame must be an array, found '" + (char) c + "'");
                    }
                }
            }
        }
        return -1;
    }

    static boolean isWhitespace(byte c) {
        return c == ' ' || c == '\n' || c == '\r' || c == '\t';
    }
}
