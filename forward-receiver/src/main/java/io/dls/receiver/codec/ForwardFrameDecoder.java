package io.dls.receiver.codec;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;

import java.util.List;

/**
 * Splits a connection's byte stream into {@link Frame}s. The first significant byte decides the framing
 * for the whole connection, as Fluentd's in_forward does: '[' or '{' means JSON, anything else msgpack.
 * Nothing is allocated for a frame until all of it has arrived, and no frame may exceed the limit.
 */
public final class ForwardFrameDecoder extends ByteToMessageDecoder {
    private enum Mode { UNKNOWN, MSGPACK, JSON }

    private final long maxFrameBytes;
    private final int maxDepth;
    private Mode mode = Mode.UNKNOWN;
    private MsgpackFrameScanner msgpack;
    private OversizeFrameCutter cutter;
    private JsonFrameScanner json;
    private boolean failed;
    private final PartialFrameBudget budget;
    /** Bytes of incomplete frames this connection holds, as last told to the budget. */
    private long held;

    public ForwardFrameDecoder(long maxFrameBytes, int maxDepth) {
        this(maxFrameBytes, maxDepth, new PartialFrameBudget(Long.MAX_VALUE));
    }

    public ForwardFrameDecoder(long maxFrameBytes, int maxDepth, PartialFrameBudget budget) {
        if (maxFrameBytes <= 0 || maxFrameBytes > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("maxFrameBytes must be between 1 and 2 GiB, was " + maxFrameBytes);
        }
        this.maxFrameBytes = maxFrameBytes;
        this.maxDepth = maxDepth;
        this.budget = budget;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (failed) {
            // The connection is closing: whatever else it sent is not looked at (nor reported twice).
            in.skipBytes(in.readableBytes());
            return;
        }
        try {
            decodeFrames(in, out);
            holdPartialFrame(in);
        } catch (ProtocolException e) {
            failed = true;
            in.skipBytes(in.readableBytes());
            release();
            throw e;
        }
    }

    /** Tells the budget what this connection now holds; refuses the connection if that is too much. */
    private void holdPartialFrame(ByteBuf in) {
        long now = (long) in.readableBytes() + (cutter != null ? cutter.heldBytes() : 0);
        long before = held;
        held = now;
        if (!budget.change(before, now)) {
            throw new ProtocolException("memory_budget", "incomplete frame of " + now + " bytes so far would take"
                    + " the bytes held in incomplete frames over max_partial_frame_bytes " + budget.limit()
                    + " (all connections hold " + budget.heldBytes() + "); closing, the client resends it later");
        }
    }

    private void release() {
        budget.change(held, 0);
        held = 0;
    }

    @Override
    protected void handlerRemoved0(ChannelHandlerContext ctx) throws Exception {
        release();
        super.handlerRemoved0(ctx);
    }

    /** Bytes of incomplete frames this connection holds now. */
    public long heldBytes() {
        return held;
    }

    private void decodeFrames(ByteBuf in, List<Object> out) {
        while (in.isReadable()) {
            if (mode == Mode.UNKNOWN) {
                chooseMode(in.getByte(in.readerIndex()));
            }
            if (mode == Mode.JSON) {
                // Whitespace between JSON frames is not part of any frame.
                while (json.scannedBytes() == 0 && in.isReadable()
                        && JsonFrameScanner.isWhitespace(in.getByte(in.readerIndex()))) {
                    in.skipBytes(1);
                }
                if (!in.isReadable()) {
                    return;
                }
                long len = json.scan(in);
                if (len < 0) {
                    return;
                }
                json.reset();
                out.add(new Frame(readBytes(in, (int) len), true));
            } else {
                if (cutter != null) {
                    if (!cutter.feed(in)) {
                        return;
                    }
                    out.add(cutter.frame());
                    cutter = null;
                    continue;
                }
                long len;
                try {
                    len = msgpack.scan(in);
                } catch (ProtocolException e) {
                    if (!e.reason().equals("too_large")
                            || !OversizeFrameCutter.canCut(in.getUnsignedByte(in.readerIndex()))) {
                        throw e;
                    }
                    // Over chunk_size_limit: read the rest as it comes, keeping only a prefix of huge values.
                    msgpack.reset();
                    cutter = new OversizeFrameCutter(maxFrameBytes, maxDepth);
                    continue;
                }
                if (len < 0) {
                    return;
                }
                msgpack.reset();
                out.add(new Frame(readBytes(in, (int) len), false));
            }
        }
    }

    /**
     * The connection ended (the client hung up, or the server closed it, e.g. for idleness) in the middle of a
     * frame. Nothing can be published from it; without this the bytes were dropped without a word, so a client
     * that is cut off mid-chunk, or a slowloris holding half a frame, left no log line and no metric.
     */
    @Override
    protected void decodeLast(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) throws Exception {
        super.decodeLast(ctx, in, out);
        if (!failed && (in.isReadable() || cutter != null)) {
            long partial = in.readableBytes() + (cutter != null ? cutter.consumedBytes() : 0);
            failed = true;
            release();
            in.skipBytes(in.readableBytes());
            throw new ProtocolException("truncated", "connection closed after " + partial
                    + " bytes of an incomplete frame; nothing of it was published");
        }
    }

    private void chooseMode(byte first) {
        if (first == 0x16) {
            // A forward message is an array (or a nil heartbeat); 0x16 is a TLS handshake record. Said plainly
            // here, instead of "not an array" for the first byte and then one error for each byte behind it.
            throw new ProtocolException("tls", "TLS handshake on the plain TCP port: the client uses TLS, this"
                    + " port does not (set transport.protocol: tls, or turn TLS off in the client)");
        }
        if (first == '[' || first == '{') {
            mode = Mode.JSON;
            json = new JsonFrameScanner(maxFrameBytes, maxDepth);
        } else {
            mode = Mode.MSGPACK;
            msgpack = new MsgpackFrameScanner(maxFrameBytes, maxDepth);
        }
    }

    private static byte[] readBytes(ByteBuf in, int len) {
        byte[] bytes = new byte[len];
        in.readBytes(bytes);
        return bytes;
    }
}
