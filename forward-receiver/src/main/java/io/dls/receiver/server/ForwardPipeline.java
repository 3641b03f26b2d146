package io.dls.receiver.server;

import io.dls.receiver.codec.ChunkDecoder;
import io.dls.receiver.codec.CodecLimits;
import io.dls.receiver.codec.ForwardFrameDecoder;
import io.dls.receiver.codec.PartialFrameBudget;
import io.dls.receiver.config.ReceiverConfig;
import io.dls.receiver.ops.ReceiverMetrics;
import io.dls.receiver.sink.EventSink;
import io.dls.receiver.sink.InFlightGate;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.group.ChannelGroup;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.timeout.IdleStateHandler;

import java.util.concurrent.TimeUnit;

/**
 * The handlers of one forward connection, by name: {@code tracker -> tls? -> idle? -> frames -> handshake?
 * -> forward}. Public so tests can run the exact pipeline on an EmbeddedChannel.
 */
public final class ForwardPipeline extends ChannelInitializer<Channel> {
    private final ReceiverConfig config;
    private final EventSink sink;
    private final InFlightGate gate;
    private final ReceiverMetrics metrics;
    private final ConnectionTracker tracker;
    private final SslContext ssl;
    private final String selfHostname;
    private final ForwardHandler.Settings settings;
    private final CodecLimits limits;
    private final PartialFrameBudget partialFrames;

    public ForwardPipeline(ReceiverConfig config, EventSink sink, InFlightGate gate, ReceiverMetrics metrics,
                           ChannelGroup channels, SslContext ssl, String selfHostname) {
        this.config = config;
        this.sink = sink;
        this.gate = gate;
        this.metrics = metrics;
        this.ssl = ssl;
        this.selfHostname = selfHostname;
        this.tracker = new ConnectionTracker(config.maxConnections(), channels, metrics);
        this.limits = config.codecLimits();
        this.partialFrames = PartialFrameBudget.of(config.maxPartialFrameBytes().bytes());
        metrics.partialFrameBytes(partialFrames::heldBytes);
        this.settings = new ForwardHandler.Settings(config.skipInvalidEvent(), config.sourceAddressKey(),
                config.sourceHostnameKey(), config.chunkSizeWarnLimit().bytes(), config.chunkSizeLimit().bytes());
    }

    /** The budget of bytes in incomplete frames, all connections together. */
    long partialFrameLimit() {
        return partialFrames.limit();
    }

    @Override
    protected void initChannel(Channel ch) {
        ChannelPipeline p = ch.pipeline();
        p.addLast("tracker", tracker);
        if (ssl != null) {
            p.addLast("tls", ssl.newHandler(ch.alloc()));
        }
        // Milliseconds, not seconds: toSeconds() turned "500ms" into 0, which silently meant "never".
        long idleMillis = config.idleTimeout().duration().toMillis();
        if (idleMillis > 0) {
            p.addLast("idle", new IdleStateHandler(idleMillis, 0, 0, TimeUnit.MILLISECONDS));
        }
        p.addLast("frames", new ForwardFrameDecoder(limits.maxChunkBytes(), limits.maxDepth(), partialFrames));
        if (config.security().enabled()) {
            p.addLast("handshake", new HandshakeHandler(config.security(), selfHostname,
                    () -> metrics.protocolErrors.labelValues("auth").inc()));
        }
        p.addLast("forward", new ForwardHandler(new ChunkDecoder(limits), sink, gate, metrics, settings));
    }
}
