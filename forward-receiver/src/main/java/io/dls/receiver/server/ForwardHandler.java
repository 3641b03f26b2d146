package io.dls.receiver.server;

import io.dls.receiver.codec.Chunk;
import io.dls.receiver.codec.ChunkDecoder;
import io.dls.receiver.codec.Event;
import io.dls.receiver.codec.Frame;
import io.dls.receiver.codec.ProtocolException;
import io.dls.receiver.codec.RecordFields;
import io.dls.receiver.ops.ReceiverMetrics;
import io.dls.receiver.sink.EventSink;
import io.dls.receiver.sink.InFlightGate;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.ssl.NotSslRecordException;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.handler.timeout.IdleStateEvent;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.net.ssl.SSLException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The last handler of a connection: decodes each frame into a chunk, hands it to the sink, writes the ack
 * once the sink has stored every event, and pauses reading while the sink's backlog is full.
 */
final class ForwardHandler extends SimpleChannelInboundHandler<Frame> {
    private static final Logger log = LoggerFactory.getLogger(ForwardHandler.class);

    /** Per-connection behaviour that comes from configuration. */
    record Settings(boolean skipInvalidEvent, String sourceAddressKey, String sourceHostnameKey,
                    long chunkSizeWarnLimit, long chunkSizeLimit) {
    }

    private final ChunkDecoder decoder;
    private final EventSink sink;
    private final InFlightGate gate;
    private final ReceiverMetrics metrics;
    private final Settings settings;
    private String sourceIp;
    private String sourceHost;
    private int pendingChunks;
    /**
     * Set by the first error. A read can hold many frames (64 KiB of bytes below 0x80 are 65,536 one-byte
     * msgpack values), and each used to be decoded, counted and logged after the first had closed the
     * connection: one bad client flooded the log. Now the connection is reported once; the rest is dropped.
     */
    private boolean failed;

    ForwardHandler(ChunkDecoder decoder, EventSink sink, InFlightGate gate, ReceiverMetrics metrics, Settings settings) {
        this.decoder = decoder;
        this.sink = sink;
        this.gate = gate;
        this.metrics = metrics;
        this.settings = settings;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        if (ctx.channel().remoteAddress() instanceof InetSocketAddress a && a.getAddress() != null) {
            sourceIp = a.getAddress().getHostAddress();
            if (settings.sourceHostnameKey() != null) {
                sourceHost = a.getAddress().getCanonicalHostName();
            }
        }
        super.channelActive(ctx);
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, Frame frame) {
        if (failed) {
            return;
        }
        Chunk chunk = decoder.decode(frame);
        if (chunk.isHeartbeat()) {
            metrics.heartbeats.labelValues("tcp").inc();
            return;
        }
        metrics.chunks.inc();
        if (frame.bytes().length > settings.chunkSizeWarnLimit()) {
            log.warn("large chunk peer={} tag={} bytes={} chunk_size_warn_limit={}", ctx.channel().remoteAddress(),
                    chunk.tag(), frame.bytes().length, settings.chunkSizeWarnLimit());
        }
        if (frame.wasCut()) {
            reportCut(ctx, frame, chunk);
        }
        if (!chunk.invalidEvents().isEmpty()) {
            for (Map.Entry<String, Integer> e : chunk.invalidEvents().entrySet()) {
                metrics.invalidEvents.labelValues(e.getKey()).inc(e.getValue());
            }
            if (!settings.skipInvalidEvent()) {
                throw new ProtocolException("invalid_event", "chunk has invalid events " + chunk.invalidEvents()
                        + " and skip_invalid_event is false");
            }
            log.warn("invalid events skipped peer={} tag={} skipped={} reasons={} published={}",
                    ctx.channel().remoteAddress(), chunk.tag(), chunk.invalidCount(), chunk.invalidEvents(),
                    chunk.events().size());
        }
        Chunk toPublish = enrich(chunk);
        pendingChunks++;
        sink.publish(toPublish, sourceIp, new EventSink.Listener() {
            @Override
            public void stored() {
                ctx.executor().execute(() -> pendingChunks--);
                if (chunk.wantsAck()) {
                    ctx.writeAndFlush(Unpooled.wrappedBuffer(chunk.ackReply()));
                    metrics.acks.inc();
                }
            }

            @Override
            public void failed(Exception cause) {
                ctx.executor().execute(() -> pendingChunks--);
                log.warn("kafka did not store chunk peer={} tag={} events={} error=\"{}\": no ack, closing so the"
                        + " client resends", ctx.channel().remoteAddress(), chunk.tag(), chunk.events().size(), cause);
                ctx.close();
            }
        });
        if (gate.isFull() && ctx.channel().config().isAutoRead()) {
            ctx.channel().config().setAutoRead(false);
            gate.parkUntilDrained(() -> ctx.channel().config().setAutoRead(true));
        }
    }

    /** A frame over chunk_size_limit whose huge values were cut as it streamed in: say so, once per frame. */
    private void reportCut(ChannelHandlerContext ctx, Frame frame, Chunk chunk) {
        int cut = 0;
        for (Event e : chunk.events()) {
            if (e.cut()) {
                cut++;
            }
        }
        metrics.truncatedEvents.labelValues("chunk_size_limit").inc(cut);
        long left = 0;
        for (long n : frame.cuts().values()) {
            left += n;
        }
        log.warn("frame over chunk_size_limit stored with its longest values cut peer={} tag={} events_cut={}"
                        + " bytes_left_out={} chunk_size_limit={} header={}", ctx.channel().remoteAddress(), chunk.tag(),
                cut, left, settings.chunkSizeLimit(), io.dls.receiver.sink.KafkaEventSink.HEADER_TRUNCATED);
    }

    private Chunk enrich(Chunk chunk) {
        if (chunk.isSignal() || settings.sourceAddressKey() == null && settings.sourceHostnameKey() == null) {
            return chunk;
        }
        List<Event> out = new ArrayList<>(chunk.events().size());
        for (Event e : chunk.events()) {
            byte[] r = e.record();
            if (settings.sourceAddressKey() != null && sourceIp != null) {
                r = RecordFields.withField(r, settings.sourceAddressKey(), sourceIp);
            }
            if (settings.sourceHostnameKey() != null && sourceHost != null) {
                r = RecordFields.withField(r, settings.sourceHostnameKey(), sourceHost);
            }
            out.add(e.withRecord(r));
        }
        return chunk.withEvents(out);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt instanceof SslHandshakeCompletionEvent hs && !hs.isSuccess()) {
            // Comes before the exception (if any): the handshake state is known here, not there.
            if (!failed) {
                TlsFailure f = TlsFailure.classify(hs.cause(), true, ConnectionTracker.sawBytes(ctx.channel()));
                if (f != null) {
                    failed = true;
                    reportTls(ctx, f);
                }
            }
            return;
        }
        if (evt instanceof IdleStateEvent) {
            if (pendingChunks == 0) {
                metrics.idleClosed.inc();
                log.info("closing idle connection peer={}", ctx.channel().remoteAddress());
                ctx.close();
            }
            return;
        }
        super.userEventTriggered(ctx, evt);
    }

    /**
     * A refused client certificate is an authentication refusal, not noise: counted apart ({@code client_cert})
     * so it can be alerted on like a wrong key.
     */
    private void reportTls(ChannelHandlerContext ctx, TlsFailure f) {
        metrics.protocolErrors.labelValues(f.kind().metricReason).inc();
        String what = f.kind() == TlsFailure.Kind.CLIENT_CERT_REFUSED ? "client certificate refused"
                : f.kind() == TlsFailure.Kind.NOT_TLS || f.kind() == TlsFailure.Kind.OTHER ? "tls error"
                : "tls handshake failed";
        log.warn("{} peer={} kind={}: {}; closing this connection (engine said \"{}\")", what,
                ctx.channel().remoteAddress(), f.kind(), f.kind().explanation, f.detail());
        ctx.close();
    }

    /** The TLS handshake failed over the client's certificate: none sent, or one the CA does not vouch for. */
    static boolean clientCertificateRefused(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            String m = String.valueOf(c.getMessage()).toLowerCase(java.util.Locale.ROOT);
            if (m.contains("client certificate") || m.contains("peer_did_not_return_a_certificate")
                    || m.contains("certificate_required") || m.contains("certification path")
                    || c instanceof java.security.cert.CertificateException) {
                return true;
            }
        }
        return false;
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        Throwable t = cause instanceof DecoderException && cause.getCause() != null ? cause.getCause() : cause;
        if (failed) {
            log.debug("further error on a closing connection peer={} detail=\"{}\"", ctx.channel().remoteAddress(),
                    t.getMessage());
            return;
        }
        failed = true;
        if (t instanceof ProtocolException p) {
            metrics.protocolErrors.labelValues(p.reason()).inc();
            log.warn("protocol error peer={} reason={} detail=\"{}\": closing this connection",
                    ctx.channel().remoteAddress(), p.reason(), p.getMessage());
        } else if (t instanceof NotSslRecordException || t instanceof SSLException) {
            reportTls(ctx, TlsFailure.classify(t, false, true));
        } else if (t instanceof IOException) {
            log.debug("connection error peer={} detail=\"{}\"", ctx.channel().remoteAddress(), t.getMessage());
        } else {
            metrics.protocolErrors.labelValues("internal").inc();
            log.error("unexpected error peer={}: closing this connection", ctx.channel().remoteAddress(), t);
        }
        ctx.close();
    }
}
