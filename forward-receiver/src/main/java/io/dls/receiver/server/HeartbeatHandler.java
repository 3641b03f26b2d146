package io.dls.receiver.server;

import io.dls.receiver.ops.ReceiverMetrics;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.DatagramPacket;

/** Fluentd's UDP heartbeat: any datagram on the forward port is answered with one zero byte. */
final class HeartbeatHandler extends SimpleChannelInboundHandler<DatagramPacket> {
    private final ReceiverMetrics metrics;

    HeartbeatHandler(ReceiverMetrics metrics) {
        this.metrics = metrics;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket packet) {
        metrics.heartbeats.labelValues("udp").inc();
        ctx.writeAndFlush(new DatagramPacket(Unpooled.wrappedBuffer(new byte[]{0}), packet.sender()));
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // A heartbeat reply that cannot be sent is not worth more than this; the socket stays open.
    }
}
