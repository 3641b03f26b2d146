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
 * <p>Usage: {@code ForwardLoad HOST PORT RECORDS CONNECTIONS [RECORDS_PER_CHUNK] [WINDOW]
 * [--until-in-kafka BOOTSTRAP TOPIC END_OFFSET]}; prints {@code records=N seconds=S records_per_sec=R}.
 *
 * <p>With {@code --until-in-kafka}, for a server that acks before Kafka has the data (Fluent Bit's in_forward
 * acks once the chunk is in its own buffer): after the last ack it polls the topic's end offset (the sum
 * over its partitions) until it reaches END_OFFSET and adds {@code kafka_seconds=S kafka_records_per_sec=R},
 * timed from the same start as the acks. The consumer is connected before the load starts and polls only
 * after the last ack, so neither its start nor its polling falls on the load.
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
        EndOffsets until = args.length > 9 && args[6].equals("--until-in-kafka")
                ? new EndOffsets(args[7], args[8], Long.parseLong(args[9])) : null;
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
            if (until == null) {
                System.out.printf("records=%d seconds=%.3f records_per_sec=%.0f%n", sent, seconds, sent / seconds);
            } else {
                double inKafka = until.await(start) / 1e9;
                System.out.printf("records=%d seconds=%.3f records_per_sec=%.0f kafka_seconds=%.3f "
                        + "kafka_records_per_sec=%.0f%n", sent, seconds, sent / seconds, inKafka, sent / inKafka);
            }
        } finally {
            if (until != null) {
                until.close();
            }
            for (Channel ch : channels) {
                ch.close();
            }
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        }
    }

    /** A topic's end offset, summed over its partitions, polled until it reaches a target. */
    private static final class EndOffsets implements AutoCloseable {
        private final org.apache.kafka.clients.consumer.KafkaConsumer<byte[], byte[]> consumer;
        private final List<org.apache.kafka.common.TopicPartition> partitions = new ArrayList<>();
        private final long target;

        EndOffsets(String bootstrap, String topic, long target) {
            java.util.Properties props = new java.util.Properties();
            props.put("bootstrap.servers", bootstrap);
            props.put("key.deserializer", "org.apache.kafka.common.serialization.ByteArrayDeserializer");
            props.put("value.deserializer", "org.apache.kafka.common.serialization.ByteArrayDeserializer");
            this.consumer = new org.apache.kafka.clients.consumer.KafkaConsumer<>(props);
            this.target = target;
            for (org.apache.kafka.common.PartitionInfo p : consumer.partitionsFor(topic)) {
                partitions.add(new org.apache.kafka.common.TopicPartition(topic, p.partition()));
            }
            endOffset(); // connects to the partitions' leaders now, not in the timed part
        }

        long endOffset() {
            return consumer.endOffsets(partitions, java.time.Duration.ofSeconds(30)).values().stream()
                    .mapToLong(Long::longValue).sum();
        }

        /** Nanoseconds from {@code start} until the end offset reached the target. */
        long await(long start) {
            try {
                org.awaitility.Awaitility.await().pollInSameThread().pollDelay(java.time.Duration.ZERO)
                        .pollInterval(java.time.Duration.ofMillis(10))
                        .atMost(java.time.Duration.ofNanos(TimeUnit.SECONDS.toNanos(900) - (System.nanoTime() - start)))
                        .until(() -> endOffset() >= target);
                return System.nanoTime() - start;
            } catch (org.awaitility.core.ConditionTimeoutException e) {
                System.err.println("timed out with the end offset at " + endOffset() + " of " + target);
                System.exit(1);
                return -1;
            }
        }

        @Override
        public void close() {
            consumer.close();
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
