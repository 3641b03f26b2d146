package io.dls.receiver.bench;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import org.msgpack.core.MessageBufferPacker;
import org.msgpack.core.MessagePack;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Load generator for bench/receiver.sh: PackedForward chunks with ack over many connections, each keeping a
 * window of chunks in flight, the way a Fluentd/Fluent Bit agent with several flush threads does. The
 * entries are encoded once and reused (only the chunk id changes), so the generator costs little CPU next
 * to the receiver it measures.
 *
 * <p>Usage: {@code ForwardLoad HOST PORT RECORDS CONNECTIONS [RECORDS_PER_CHUNK] [WINDOW]}; prints
 * {@code records=N seconds=S records_per_sec=R}.
 */
public final class ForwardLoad {
    private ForwardLoad() {
    }

    /** About 120 bytes of msgpack per record, like a typical structured log line. */
    static byte[] entries(int n) throws IOException {
        String[] levels = {"INFO", "INFO", "INFO", "WARN", "DEBUG", "ERROR"};
        try (MessageBufferPacker p = MessagePack.newDefaultBufferPacker()) {
            for (int i = 0; i < n; i++) {
                p.packArrayHeader(2);
                p.packExtensionTypeHeader((byte) 0, 8);
                long s = 1_700_000_000L + i / 1000;
                int ns = (i % 1000) * 1_000_000;
                p.writePayload(new byte[]{(byte) (s >>> 24), (byte) (s >>> 16), (byte) (s >>> 8), (byte) s,
                        (byte) (ns >>> 24), (byte) (ns >>> 16), (byte) (ns >>> 8), (byte) ns});
                p.packMapHeader(4);
                p.packString("log_level").packString(levels[i % levels.length]);
                p.packString("service_name").packString("inventory-" + (i % 4));
                p.packString("node_id").packString("node-" + (i % 16));
                p.packString("message").packString(String.format("GET /api/items/%06d 200 in %3d ms user=u%05d rid=%03x",
                        i % 1_000_000, i % 997, i % 100_000, i % 4096));
            }
            return p.toByteArray();
        }
    }

    /**
     * Writes the same records as JSON lines of exactly 120 bytes, for ProducerPerformance's --payload-file,
     * so the baseline sends data of the same kind (and compressibility) as the receiver does.
     */
    static void writePayloads(java.nio.file.Path file, int n) throws IOException {
        String[] levels = {"INFO", "INFO", "INFO", "WARN", "DEBUG", "ERROR"};
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < n; i++) {
            String line = String.format("{\"log_level\":\"%s\",\"service_name\":\"inventory-%d\",\"node_id\":\"node-%d\","
                            + "\"message\":\"GET /api/items/%06d 200 in %3d ms user=u%05d\"}", levels[i % levels.length], i % 4,
                    i % 16, i % 1_000_000, i % 997, i % 100_000);
            out.append((line + " ".repeat(Math.max(0, 120 - line.length()))), 0, 120).append('\n');
        }
        java.nio.file.Files.writeString(file, out);
    }

    public static void main(String[] args) throws Exception {
        if (args[0].equals("--json-payloads")) {
            writePayloads(java.nio.file.Path.of(args[1]), Integer.parseInt(args[2]));
            return;
        }
        String host = args[0];
        int port = Integer.parseInt(args[1]);
        long records = Long.parseLong(args[2]);
        int connections = Integer.parseInt(args[3]);
        int perChunk = args.length > 4 ? Integer.parseInt(args[4]) : 1000;
        int window = args.length > 5 ? Integer.parseInt(args[5]) : 2;
        long chunks = (records + perChunk - 1) / perChunk;

        byte[] body = entries(perChunk);
        ByteBuf head;
        try (MessageBufferPacker p = MessagePack.newDefaultBufferPacker()) {
            p.packArrayHeader(3).packString("bench.app").packBinaryHeader(body.length);
            head = Unpooled.unreleasableBuffer(Unpooled.wrappedBuffer(p.toByteArray(), body));
        }
        // Each entry is [EventTime (10 bytes), record]: the record map is what becomes a Kafka value.
        System.err.printf("record bytes %d, chunk bytes %d, chunks %d, connections %d, window %d%n",
                body.length / perChunk - 11, head.readableBytes() + 30, chunks, connections, window);

        AtomicLong toSend = new AtomicLong(chunks);
        AtomicLong acked = new AtomicLong();
        CountDownLatch done = new CountDownLatch(1);
        AtomicLong ids = new AtomicLong();
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        List<Channel> channels = new ArrayList<>();
        try {
            Bootstrap b = new Bootstrap().group(group).channel(NioSocketChannel.class)
                    .option(ChannelOption.TCP_NODELAY, true)
                    .handler(new ChannelInitializer<Channel>() {
                        @Override
                        protected void initChannel(Channel ch) {
                            ch.pipeline().addLast(new ChannelInboundHandlerAdapter() {
                                private int carry;

                                @Override
                                public void channelRead(ChannelHandlerContext ctx, Object msg) {
                                    ByteBuf in = (ByteBuf) msg;
                                    // Each ack is {"ack": "<16 hex chars>"}: 1 + 4 + 1 + 16 bytes; a read may
                                    // end inside one.
                                    int bytes = carry + in.readableBytes();
                                    int n = bytes / 22;
                                    carry = bytes % 22;
                                    in.release();
                                    for (int i = 0; i < n; i++) {
                                        if (acked.incrementAndGet() == chunks) {
                                            done.countDown();
                                        }
                                        sendNext(ctx.channel(), head, toSend, ids);
                                    }
                                }

                                @Override
                                public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                                    System.err.println("connection error: " + cause);
                                    ctx.close();
                                }
                            });
                        }
                    });
            for (int i = 0; i < connections; i++) {
                channels.add(b.connect(host, port).sync().channel());
            }
            long start = System.nanoTime();
            for (Channel ch : channels) {
                ch.eventLoop().execute(() -> {
                    for (int w = 0; w < window; w++) {
                        sendNext(ch, head, toSend, ids);
                    }
                });
            }
            if (!done.await(600, TimeUnit.SECONDS)) {
                System.err.println("timed out with " + acked.get() + " of " + chunks + " chunks acked");
                System.exit(1);
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            long sent = chunks * perChunk;
            System.out.printf("records=%d seconds=%.3f records_per_sec=%.0f%n", sent, seconds, sent / seconds);
        } finally {
            for (Channel ch : channels) {
                ch.close();
            }
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        }
    }

    private static void sendNext(Channel ch, ByteBuf head, AtomicLong toSend, AtomicLong ids) {
        if (toSend.getAndDecrement() <= 0) {
            return;
        }
        byte[] id = String.format("%016x", ids.incrementAndGet()).getBytes(StandardCharsets.US_ASCII);
        ByteBuf opt = Unpooled.buffer(24);
        opt.writeByte(0x81).writeByte(0xa5).writeBytes("chunk".getBytes(StandardCharsets.US_ASCII))
                .writeByte(0xa0 | id.length).writeBytes(id);
        ch.writeAndFlush(Unpooled.wrappedUnmodifiableBuffer(head.duplicate(), opt));
    }
}
