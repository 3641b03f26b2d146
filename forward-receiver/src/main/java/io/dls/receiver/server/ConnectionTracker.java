package io.dls.receiver.server;

import io.dls.receiver.ops.ReceiverMetrics;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.group.ChannelGroup;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.atomic.AtomicInteger;

/** First handler of every connection: enforces max_connections, keeps the channel group and counts bytes. */
@ChannelHandler.Sharable
final class ConnectionTracker extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(ConnectionTracker.class);

    private final int maxConnections;
    private final ChannelGroup channels;
    private final ReceiverMetrics metrics;
    private final AtomicInteger open = new AtomicInteger();

    ConnectionTracker(int maxConnections, ChannelGroup channels, ReceiverMetrics metrics) {
        this.maxConnections = maxConnections;
        this.channels = channels;
        this.metrics = metrics;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        int now = open.incrementAndGet();
        metrics.connectionsOpen.set(now);
        if (now > maxConnections) {
            metrics.connectionsRefused.inc();
            log.warn("connection refused peer={} reason=max_connections limit={}", ctx.channel().remoteAddress(),
                    maxConnections);
            ctx.close();
            return;
        }
        metrics.connectionsAccepted.inc();
        channels.add(ctx.channel());
        super.channelActive(ctx);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        metrics.connectionsOpen.set(open.decrementAndGet());
        super.channelInactive(ctx);
    }

    /** Set once a connection sent a byte: a handshake that never started (a TCP check) is not a TLS failure. */
    private static final io.netty.util.AttributeKey<Boolean> SAW_BYTES = io.netty.util.AttributeKey.valueOf("dls.sawBytes");

    static boolean sawBytes(io.netty.channel.Channel ch) {
        return ch.hasAttr(SAW_BYTES);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof ByteBuf b) {
            metrics.bytesReceived.inc(b.readableBytes());
            if (!ctx.channel().hasAttr(SAW_BYTES)) {
                ctx.channel().attr(SAW_BYTES).set(Boolean.TRUE);
            }
        }
        ctx.fireChannelRead(msg);
    }
}
