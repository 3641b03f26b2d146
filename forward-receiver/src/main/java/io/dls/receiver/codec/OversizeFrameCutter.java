package io.dls.receiver.codec;

import io.netty.buffer.ByteBuf;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * Reads a msgpack forward message that is over chunk_size_limit as it streams in, and keeps a copy of it in
 * which every string or binary value longer than {@link #KEEP_BYTES} is cut to its first {@code KEEP_BYTES}
 * (at a character boundary for strings). The rest of such a value is skipped as it arrives, never held.
 *
 * <p>Why: Fluentd's in_forward drops a chunk over the limit without an ack, so its agent resends it until
 * its retry limit and every later chunk waits behind it. Cutting the one huge value keeps the event (and the
 * events around it) and lets the chunk be acked; {@link Frame#cuts()} says which entries lost how many bytes,
 * so the sink can mark them.
 *
 * <p>PackedForward's entries (a bin or str at position 1 of the message) are walked as the msgpack stream
 * they are, so a huge value inside one entry is cut, not the whole entries blob. The copy must still fit
 * chunk_size_limit (a message of many ordinary events over the limit is refused as before), and an ext value
 * over the keep size is refused: there is no meaningful prefix of one.
 */
final class OversizeFrameCutter {
    /** What is kept of a value that is too long. */
    static final int KEEP_BYTES = 512 * 1024;

    private enum Kind { ARRAY, MAP, STREAM }

    private final long maxOutBytes;
    private final int maxDepth;
    private final Map<Integer, Long> cuts = new HashMap<>();
    private byte[] out = new byte[64 * 1024];
    private int outLen;

    private Kind[] kind = new Kind[16];
    private long[] remaining = new long[16];
    private int[] index = new int[16];
    private long[] streamEnd = new long[16];
    private int[] patchAt = new int[16];
    private int depth;
    private boolean started;
    private long inPos;

    // A str/bin/ext payload being copied (keepLeft) and then skipped (skipLeft).
    private boolean inPayload;
    private long keepLeft;
    private long skipLeft;
    private int payloadPatchAt = -1;
    private boolean payloadIsStr;
    private int payloadOrdinal;
    private long payloadSkipped;

    OversizeFrameCutter(long maxOutBytes, int maxDepth) {
        this.maxOutBytes = maxOutBytes;
        this.maxDepth = maxDepth;
    }

    /** True when {@code first} starts a forward message this class can cut (an array). */
    static boolean canCut(int first) {
        return (first >= 0x90 && first <= 0x9f) || first == 0xdc || first == 0xdd;
    }

    /** Bytes held for the frame so far (for the memory budget). */
    long heldBytes() {
        return out.length;
    }

    /** The input bytes of the frame consumed so far. */
    long consumedBytes() {
        return inPos;
    }

    /** The cut frame, once {@link #feed} returned true. */
    Frame frame() {
        return new Frame(Arrays.copyOf(out, outLen), false, Map.copyOf(cuts));
    }

    /**
     * Consumes what it can of {@code in}.
     *
     * @return true once the whole message has been read
     */
    boolean feed(ByteBuf in) {
        while (true) {
            if (inPayload) {
                if (keepLeft > 0) {
                    int n = (int) Math.min(keepLeft, in.readableBytes());
                    ensure(n);
                    in.readBytes(out, outLen, n);
                    outLen += n;
                    keepLeft -= n;
                    inPos += n;
                }
                if (keepLeft == 0 && skipLeft > 0) {
                    int n = (int) Math.min(skipLeft, in.readableBytes());
                    in.skipBytes(n);
                    skipLeft -= n;
                    inPos += n;
                }
                if (keepLeft > 0 || skipLeft > 0) {
                    return false;
                }
                finishPayload();
                if (valueDone()) {
                    return true;
                }
                continue;
            }
            if (!in.isReadable()) {
                return false;
            }
            if (!readHeader(in)) {
                return false;
            }
            if (started && depth == 0 && !inPayload) {
                return true;
            }
        }
    }

    /** Reads one value's header if all of it is there; false when more bytes are needed. */
    private boolean readHeader(ByteBuf in) {
        int at = in.readerIndex();
        int avail = in.readableBytes();
        int b = in.getUnsignedByte(at);
        if (!started && !canCut(b)) {
            throw new ProtocolException("too_large", "frame over chunk_size_limit " + maxOutBytes);
        }
        int headerLen;
        long payload = 0;
        long children = 0;
        boolean container = false;
        boolean map = false;
        boolean raw = false; // str or bin
        boolean str = false;
        if (b <= 0x7f || b >= 0xe0 || b == 0xc0 || b == 0xc2 || b == 0xc3) {
            headerLen = 1;
        } else if (b >= 0x80 && b <= 0x8f) {
            headerLen = 1; container = true; map = true; children = 2L * (b & 0x0f);
        } else if (b >= 0x90 && b <= 0x9f) {
            headerLen = 1; container = true; children = b & 0x0f;
        } else if (b >= 0xa0 && b <= 0xbf) {
            headerLen = 1; raw = true; str = true; payload = b & 0x1f;
        } else {
            switch (b) {
                case 0xc4, 0xd9 -> { headerLen = 2; raw = true; str = b == 0xd9; }
                case 0xc5, 0xda -> { headerLen = 3; raw = true; str = b == 0xda; }
                case 0xc6, 0xdb -> { headerLen = 5; raw = true; str = b == 0xdb; }
                case 0xc7 -> headerLen = 3;
                case 0xc8 -> headerLen = 4;
                case 0xc9 -> headerLen = 6;
                case 0xca, 0xce, 0xd2 -> headerLen = 5;
                case 0xcb, 0xcf, 0xd3 -> headerLen = 9;
                case 0xcc, 0xd0 -> headerLen = 2;
                case 0xcd, 0xd1 -> headerLen = 3;
                case 0xd4 -> headerLen = 3;
                case 0xd5 -> headerLen = 4;
                case 0xd6 -> headerLen = 6;
                case 0xd7 -> headerLen = 10;
                case 0xd8 -> headerLen = 18;
                case 0xdc, 0xde -> { headerLen = 3; container = true; map = b == 0xde; }
                case 0xdd, 0xdf -> { headerLen = 5; container = true; map = b == 0xdf; }
                default -> throw new ProtocolException("bad_type",
                        String.format("byte 0x%02x at offset %d is not a msgpack type", b, inPos));
            }
        }
        if (avail < headerLen) {
            return false;
        }
        boolean ext = b == 0xc7 || b == 0xc8 || b == 0xc9;
        if (headerLen > 1 && (raw || ext || container)) {
            int lenAt = at + 1;
            long n = switch (headerLen - (ext ? 1 : 0)) {
                case 2 -> in.getUnsignedByte(lenAt);
                case 3 -> in.getUnsignedShort(lenAt);
                default -> in.getUnsignedInt(lenAt);
            };
            if (container) {
                children = map ? 2 * n : n;
            } else {
                payload = n;
            }
        }
        started = true;
        if (raw && depth == 1 && kind[0] == Kind.ARRAY && index[0] == 1) {
            // PackedForward's entries: walk them as the msgpack stream they are, length patched at the end.
            in.skipBytes(headerLen);
            inPos += headerLen;
            ensure(5);
            out[outLen++] = (byte) (str ? 0xdb : 0xc6);
            int patch = outLen;
            outLen += 4;
            if (payload == 0) {
                patchLength(patch, 0);
                valueDone();
                return true;
            }
            push(Kind.STREAM, 0);
            streamEnd[depth - 1] = inPos + payload;
            patchAt[depth - 1] = patch;
            return true;
        }
        if (raw && payload > KEEP_BYTES && depth < 2) {
            // The tag, or a value where the protocol has none: a hostile length, not an event to keep.
            throw new ProtocolException("too_large", "a " + payload + "-byte value outside any event, in a frame"
                    + " over chunk_size_limit " + maxOutBytes);
        }
        if (container && depth == 0 && (map || children < 2 || children > 4)) {
            throw new ProtocolException("too_large", "frame over chunk_size_limit " + maxOutBytes
                    + " that is no forward message (" + (map ? "a map" : children + " elements") + ")");
        }
        if (raw && payload > KEEP_BYTES) {
            in.skipBytes(headerLen);
            inPos += headerLen;
            ensure(5);
            out[outLen++] = (byte) (str ? 0xdb : 0xc6);
            payloadPatchAt = outLen;
            outLen += 4;
            startPayload(KEEP_BYTES, payload - KEEP_BYTES, str);
            return true;
        }
        if (ext && payload > KEEP_BYTES) {
            throw new ProtocolException("too_large", "an ext value of " + payload + " bytes in a frame over"
                    + " chunk_size_limit " + maxOutBytes);
        }
        copy(in, headerLen);
        if (container) {
            if (children == 0) {
                valueDone();
                return true;
            }
            if (depth + 1 > maxDepth) {
                throw new ProtocolException("too_deep", "nesting deeper than " + maxDepth + " levels");
            }
            push(map ? Kind.MAP : Kind.ARRAY, children);
            return true;
        }
        if (raw || ext) {
            payloadPatchAt = -1;
            startPayload(payload, 0, false);
            if (payload == 0) {
                inPayload = false;
                valueDone();
            }
            return true;
        }
        valueDone();
        return true;
    }

    private void startPayload(long keep, long skip, boolean str) {
        inPayload = true;
        keepLeft = keep;
        skipLeft = skip;
        payloadIsStr = str;
        payloadSkipped = skip;
        payloadOrdinal = skip > 0 ? entryOrdinal() : -1;
    }

    private void finishPayload() {
        inPayload = false;
        if (payloadPatchAt < 0) {
            return;
        }
        long dropped = 0;
        int payloadStart = payloadPatchAt + 4;
        if (payloadIsStr) {
            // Do not end on half a UTF-8 character: find the last lead byte and see if its sequence is whole.
            int i = outLen - 1;
            int back = 0;
            while (i >= payloadStart && back < 3 && (out[i] & 0xc0) == 0x80) {
                i--;
                back++;
            }
            if (i >= payloadStart) {
                int lead = out[i] & 0xff;
                int need = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1;
                if (need > back + 1) {
                    dropped = outLen - i;
                    outLen = i;
                }
            }
        }
        patchLength(payloadPatchAt, outLen - payloadStart);
        // The cut value's header is 5 bytes, as the original's was (it was longer than 64 KiB).
        recordCut(payloadOrdinal, dropped + payloadSkipped);
        payloadPatchAt = -1;
    }

    private void recordCut(int ordinal, long bytes) {
        if (ordinal >= 0) {
            cuts.merge(ordinal, bytes, Long::sum);
        }
    }

    /**
     * The position of the entry being read in its message: the index within PackedForward's entries or
     * Forward's entry array, 0 for Message mode's record; -1 outside any event (tag, options).
     */
    private int entryOrdinal() {
        if (depth >= 2 && index[0] == 1 && (kind[1] == Kind.STREAM || kind[1] == Kind.ARRAY)) {
            return index[1];
        }
        if (depth >= 1 && index[0] == 2) {
            return 0; // Message mode: [tag, time, record, option?]
        }
        return -1;
    }

    private void push(Kind k, long children) {
        if (depth == kind.length) {
            int n = depth * 2;
            kind = Arrays.copyOf(kind, n);
            remaining = Arrays.copyOf(remaining, n);
            index = Arrays.copyOf(index, n);
            streamEnd = Arrays.copyOf(streamEnd, n);
            patchAt = Arrays.copyOf(patchAt, n);
        }
        kind[depth] = k;
        remaining[depth] = children;
        index[depth] = 0;
        depth++;
    }

    /** One value ended: counts it in its parents; true when the whole message has ended. */
    private boolean valueDone() {
        while (depth > 0) {
            int l = depth - 1;
            index[l]++;
            if (kind[l] == Kind.STREAM) {
                if (inPos < streamEnd[l]) {
                    return false;
                }
                if (inPos > streamEnd[l]) {
                    throw new ProtocolException("bad_msgpack", "an entry runs past the end of the entries");
                }
                patchLength(patchAt[l], outLen - patchAt[l] - 4);
                depth--;
                continue; // the entries blob is one value of the message
            }
            if (--remaining[l] > 0) {
                return false;
            }
            depth--;
        }
        return true;
    }

    private void copy(ByteBuf in, int n) {
        ensure(n);
        in.readBytes(out, outLen, n);
        outLen += n;
        inPos += n;
    }

    private void patchLength(int at, long len) {
        out[at] = (byte) (len >>> 24);
        out[at + 1] = (byte) (len >>> 16);
        out[at + 2] = (byte) (len >>> 8);
        out[at + 3] = (byte) len;
    }

    private void ensure(int more) {
        long need = (long) outLen + more;
        if (need > maxOutBytes) {
            throw new ProtocolException("too_large", "frame over chunk_size_limit " + maxOutBytes + " even with"
                    + " every value over " + KEEP_BYTES + " bytes cut");
        }
        if (need > out.length) {
            out = Arrays.copyOf(out, (int) Math.min(maxOutBytes, Math.max(need, 2L * out.length)));
        }
    }
}
