package io.dls.receiver.server;

import io.dls.receiver.config.ReceiverConfig;
import io.dls.receiver.ops.ReceiverMetrics;
import io.dls.receiver.sink.EventSink;
import io.dls.receiver.sink.InFlightGate;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.ssl.SslContext;
import io.netty.util.concurrent.GlobalEventExecutor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * The forward-protocol server: a TCP listener (optionally TLS) and the UDP heartbeat responder on the same
 * port. Each connection runs the handlers of {@link ForwardPipeline}.
 */
public final class ForwardServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ForwardServer.class);

    private final ReceiverConfig config;
    private final EventSink sink;
    private final InFlightGate gate;
    private final ReceiverMetrics metrics;
    private final ChannelGroup channels = new DefaultChannelGroup("forward", GlobalEventExecutor.INSTANCE);
    private final boolean epoll = Epoll.isAvailable();
    private final EventLoopGroup boss = new MultiThreadIoEventLoopGroup(1, ioFactory());
    private final EventLoopGroup workers;
    private final SslContext ssl;
    private final String selfHostname;
    private Channel tcp;
    private Channel udp;

    public ForwardServer(ReceiverConfig config, EventSink sink, InFlightGate gate, ReceiverMetrics metrics) {
        this.config = config;
        this.sink = sink;
        this.gate = gate;
        this.metrics = metrics;
        this.workers = new MultiThreadIoEventLoopGroup(config.workerThreads(), ioFactory());
        this.ssl = config.transport().tls() ? TlsContexts.server(config.transport()) : null;
        this.selfHostname = config.security().selfHostname() != null ? config.security().selfHostname() : localHostname();
    }

    public ForwardServer start() throws InterruptedException {
        ForwardPipeline pipeline = new ForwardPipeline(config, sink, gate, metrics, channels, ssl, selfHostname);
        tcp = new ServerBootstrap()
                .group(boss, workers)
                .channel(epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class)
                .option(ChannelOption.SO_BACKLOG, 1024)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.SO_KEEPALIVE, true)
                .childHandler(pipeline)
                .bind(config.bind(), config.port()).sync().channel();
        int port = port();
        udp = new Bootstrap()
                .group(workers)
                .channel(epoll ? EpollDatagramChannel.class : NioDatagramChannel.class)
                .handler(new HeartbeatHandler(metrics))
                .bind(config.bind(), port).sync().channel();
        log.info("listening forward={}:{} tls={} handshake={} heartbeat=udp:{} transport={} max_partial_frame_bytes={}"
                        + " max_record_bytes={}", config.bind(), port, ssl != null, config.security().enabled(), port,
                epoll ? "epoll" : "nio", pipeline.partialFrameLimit(), config.kafkaSink().maxRecordBytes());
        return this;
    }

    /** The bound TCP port (useful when configured as 0). */
    public int port() {
        return ((InetSocketAddress) tcp.localAddress()).getPort();
    }

    public int openConnections() {
        return channels.size();
    }

    /**
     * Stops accepting, stops reading, lets the sink store and ack everything already read, then closes.
     */
    public void shutdownGracefully(Duration timeout) {
        log.info("shutting down: no new connections, finishing in-flight chunks connections={}", channels.size());
        if (tcp != null) {
            tcp.close().awaitUninterruptibly();
        }
        if (udp != null) {
            udp.close().awaitUninterruptibly();
        }
        for (Channel c : channels) {
            c.config().setAutoRead(false);
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        // A read already in progress still publishes the frames it decoded; a task queued behind it on the
        // connection's event loop runs once it is done.
        for (Channel c : channels) {
            c.eventLoop().submit(() -> { }).awaitUninterruptibly(timeout.toMillis());
        }
        sink.flush();
        while (gate.bytesInFlight() > 0 && System.nanoTime() < deadline) {
            sleep(10);
        }
        if (gate.bytesInFlight() > 0) {
            log.warn("shutdown timeout with bytes_in_flight={}: those chunks are not acked and will be resent",
                    gate.bytesInFlight());
        }
        // Acks were queued on each connection by the sink's callbacks; the close is queued behind them.
        channels.close().awaitUninterruptibly(timeout.toMillis());
        workers.shutdownGracefully(0, timeout.toMillis(), TimeUnit.MILLISECONDS).awaitUninterruptibly();
        boss.shutdownGracefully(0, timeout.toMillis(), TimeUnit.MILLISECONDS).awaitUninterruptibly();
        log.info("forward server stopped");
    }

    @Override
    public void close() {
        shutdownGracefully(Duration.ofSeconds(30));
    }

    private IoHandlerFactory ioFactory() {
        return Epoll.isAvailable() ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static String localHostname() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            return "localhost";
        }
    }
}
