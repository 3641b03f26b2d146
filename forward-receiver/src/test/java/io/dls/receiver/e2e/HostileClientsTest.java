package io.dls.receiver.e2e;

import io.dls.receiver.support.ForwardSocket;
import io.dls.receiver.support.PeerLogs;
import io.dls.receiver.support.Msgpack;
import io.dls.receiver.support.Receivers;
import io.dls.receiver.support.ServerHangup;
import io.dls.receiver.support.TopicWatcher;
import io.dls.testing.TestKafka;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.komamitsu.fluency.Fluency;
import org.komamitsu.fluency.fluentd.FluencyBuilderForFluentd;
import org.msgpack.core.MessagePack;
import org.msgpack.core.MessageUnpacker;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.LongStream;
import java.util.stream.Stream;

import static io.dls.receiver.support.Msgpack.pack;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * Issue 5, bad input: hostile clients against one running receiver (real sockets, the real test broker)
 * while a well-behaved Fluency client streams numbered events with acks the whole time. For every family:
 * the server closes the hostile connection, counts it once, writes a log line naming that connection (by
 * the client's port), and the good stream keeps landing in Kafka while the family runs, not only at the end.
 * The methods run in order against the same server; the last one checks memory and the complete good stream.
 * The TLS port and the shared-key handshake are in {@link HostileHandshakeTest}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class HostileClientsTest {
    /** Short enough to wait for twice, long enough to open 1,000 connections and look at them before it fires. */
    private static final Duration IDLE = Duration.ofSeconds(5);
    private static final int MAX_CONNECTIONS = 1010;
    private static final int LIMIT = 1 << 20; // chunk_size_limit and decompressed_size_limit
    /** A bomb inflates to 64x decompressed_size_limit: fully inflated and kept, one alone would break the heap bound. */
    private static final int BOMB_BYTES = 64 << 20;
    private static final long HEAP_BOUND = 64L << 20;
    /** Good events that must reach Kafka while one hostile family is under way (the stream sends ~150/s). */
    private static final int PROGRESS = 30;

    private Receivers.Running receiver;
    private PeerLogs logs;
    private TopicWatcher kafka;
    private GoodStream good;
    private long heapBefore;

    @BeforeAll
    void start() throws Exception {
        logs = PeerLogs.start();
        receiver = Receivers.start(Map.of("idle_timeout", IDLE.toSeconds() + "s",
                "max_connections", Integer.toString(MAX_CONNECTIONS), "chunk_size_limit", Integer.toString(LIMIT),
                "decompressed_size_limit", Integer.toString(LIMIT), "max_nesting_depth", "32"));
        kafka = TopicWatcher.start(receiver.topic);
        good = new GoodStream(receiver.port());
        // Warm up (JIT, producer connection, first acks) before the heap baseline.
        kafka.awaitCount("good", 3L * PROGRESS, Duration.ofSeconds(30));
        heapBefore = usedHeapAfterGc();
    }

    @AfterAll
    void stop() throws Exception {
        if (good != null) {
            good.close();
        }
        if (kafka != null) {
            kafka.close();
        }
        if (receiver != null) {
            receiver.close();
        }
        if (logs != null) {
            logs.close();
        }
    }

    // ---- families ------------------------------------------------------------------------------------------

    @Test
    @Order(1)
    void tlsClientHelloOnThePlainPort() throws Exception {
        logs.forgetEarlier();
        long mark = kafka.count("good");
        double before = receiver.protocolErrors("tls");
        int port;
        // A real JSSE client: its ClientHello is what a Fluentd agent with <transport tls> sends.
        try (SSLSocket s = (SSLSocket) SSLContext.getDefault().getSocketFactory()
                .createSocket("127.0.0.1", receiver.port())) {
            s.setSoTimeout(10_000);
            port = s.getLocalPort();
            assertThatThrownBy(s::startHandshake).as("the server hangs up on the ClientHello")
                    .isInstanceOf(IOException.class).isNotInstanceOf(SocketTimeoutException.class);
        }
        assertCountedOnce("tls", before, port);
        assertThat(logs.awaitPeer(port, "reason=tls")).contains("TLS");
        goodStreamAdvancedSince(mark);
    }

    static Stream<Arguments> malformed() throws IOException {
        byte[] chunk = ForwardSocket.chunk("cut", "c-cut", 3, 0);
        byte[] deep = new byte[100];
        Arrays.fill(deep, (byte) 0x91); // one-element arrays, 100 deep (limit 32)
        byte[] badTag = pack(p -> p.packArrayHeader(3).packInt(7).packInt(1).packMapHeader(0));
        byte[] fixints = new byte[64 << 10];
        Arrays.fill(fixints, (byte) 0x01); // each byte is a whole msgpack value, so a whole (bad) frame
        return Stream.of(
                // truncated: the client hangs up mid-frame
                Arguments.of("truncated Forward chunk, then hang-up", Arrays.copyOf(chunk, chunk.length / 2), true, "truncated"),
                Arguments.of("bin declaring 1000 bytes, 3 sent, then hang-up", pack(p -> p.packArrayHeader(3)
                        .packString("t").packBinaryHeader(1000).writePayload(new byte[]{1, 2, 3})), true, "truncated"),
                // wrong types
                Arguments.of("never-used byte 0xc1", new byte[]{(byte) 0xc1}, false, "bad_type"),
                Arguments.of("top level is a map", pack(p -> p.packMapHeader(1).packString("a").packInt(1)), false, "not_array"),
                Arguments.of("tag is a number", badTag, false, "bad_tag"),
                Arguments.of("options are a number", pack(p -> p.packArrayHeader(4).packString("t").packInt(1)
                        .packMapHeader(0).packInt(5)), false, "bad_options"),
                Arguments.of("chunk id is a map", pack(p -> p.packArrayHeader(4).packString("t").packInt(1)
                        .packMapHeader(0).packMapHeader(1).packString("chunk").packMapHeader(0)), false, "bad_options"),
                // one bad connection is one count and one log line, however many bad frames it packs
                Arguments.of("64 KiB of fixints: 65,536 bad frames in one packet", fixints, false, "not_array"),
                Arguments.of("three bad tags in one packet", Msgpack.concat(badTag, badTag, badTag), false, "bad_tag"),
                // negative and huge declared lengths (msgpack lengths are unsigned 32-bit)
                Arguments.of("str32 declaring 0xffffffff (-1)", new byte[]{(byte) 0x93, (byte) 0xdb, -1, -1, -1, -1}, false, "too_large"),
                Arguments.of("bin32 declaring 0x80000000 (Integer.MIN_VALUE)", new byte[]{(byte) 0x93, (byte) 0xc6, (byte) 0x80, 0, 0, 0}, false, "too_large"),
                Arguments.of("ext32 declaring 2 GiB", new byte[]{(byte) 0x93, (byte) 0xc9, 0x7f, -1, -1, -1, 0}, false, "too_large"),
                Arguments.of("array32 declaring 4 billion elements", new byte[]{(byte) 0xdd, -1, -1, -1, -1}, false, "too_large"),
                Arguments.of("map32 declaring 2 billion pairs", new byte[]{(byte) 0xdf, 0x7f, -1, -1, -1}, false, "too_large"),
                Arguments.of("bin32 one byte over chunk_size_limit", new byte[]{(byte) 0x93, (byte) 0xc6, 0, 0x10, 0, 1}, false, "too_large"),
                // deep nesting
                Arguments.of("msgpack nested 100 deep", deep, false, "too_deep"),
                Arguments.of("JSON nested 100 deep", "[".repeat(100).getBytes(StandardCharsets.US_ASCII), false, "too_deep"),
                // decompression bombs: 64 MiB of zeros, 64 KiB (gzip) or 2 KiB (zstd) on the wire
                Arguments.of("gzip bomb", Msgpack.compressedForward("bomb", Msgpack.gzip(new byte[BOMB_BYTES]), "gzip"), false, "decompressed_too_large"),
                Arguments.of("zstd bomb", Msgpack.compressedForward("bomb", com.github.luben.zstd.Zstd.compress(new byte[BOMB_BYTES]), "zstd"), false, "decompressed_too_large"),
                // tags that are not UTF-8
                Arguments.of("tag with a broken 2-byte sequence", tagged(new byte[]{(byte) 0xc3, 0x28}), false, "bad_tag"),
                Arguments.of("tag with an overlong '/'", tagged(new byte[]{'a', (byte) 0xc0, (byte) 0xaf}), false, "bad_tag"),
                Arguments.of("tag with a lone UTF-16 surrogate", tagged(new byte[]{(byte) 0xed, (byte) 0xa0, (byte) 0x80}), false, "bad_tag"),
                Arguments.of("tag that is Latin-1, not UTF-8", tagged("caf\u00e9".getBytes(StandardCharsets.ISO_8859_1)), false, "bad_tag"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("malformed")
    @Order(2)
    void malformedInputClosesOnlyItsOwnConnection(String name, byte[] bytes, boolean hangUp, String reason)
            throws Exception {
        long mark = kafka.count("good");
        logs.forgetEarlier();
        double before = receiver.protocolErrors(reason);
        int port;
        try (Socket s = new Socket("127.0.0.1", receiver.port())) {
            port = s.getLocalPort();
            try {
                s.getOutputStream().write(bytes);
                s.getOutputStream().flush();
                if (hangUp) {
                    s.shutdownOutput();
                }
            } catch (SocketException closedWhileWriting) {
                // The server may refuse the start of a long write and close before the rest is sent.
            }
            // Well inside the idle timeout: the error closed it, not the timer.
            ServerHangup.await(s, IDLE.minusSeconds(2));
        }
        assertCountedOnce(reason, before, port);
        assertThat(logs.forPeer(port, "closing idle connection")).as("closed for the error, not by the idle timer").isEmpty();
        assertThat(kafka.tags()).as("nothing of a malformed frame is published").containsOnly("good");
        goodStreamAdvancedSince(mark);
    }

    @Test
    @Order(3)
    void slowlorisDoesNotBlockOthersAndSilentConnectionsAreClosed() throws Exception {
        logs.forgetEarlier();
        long mark = kafka.count("good");
        double idleBefore = receiver.metrics.idleClosed.get();
        double truncatedBefore = receiver.protocolErrors("truncated");
        // A valid chunk asking for an ack, one byte every 150 ms: slow but never silent for IDLE.
        byte[] slow = pack(p -> {
            p.packArrayHeader(4).packString("slow").packLong(1_700_000_000L);
            Msgpack.writeRecord(p, Map.of("m", "s"));
            p.packMapHeader(1).packString("chunk").packString("slow-1");
        });
        Socket trickler = new Socket("127.0.0.1", receiver.port());
        CompletableFuture<String> trickled = CompletableFuture.supplyAsync(() -> {
            try {
                for (byte b : slow) {
                    trickler.getOutputStream().write(b);
                    trickler.getOutputStream().flush();
                    Thread.sleep(150);
                }
                return readAck(trickler);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        // 50 connections that send half a chunk and fall silent.
        byte[] half = Arrays.copyOf(ForwardSocket.chunk("half", "c-half", 5, 0), 200);
        List<Socket> halves = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            Socket s = new Socket("127.0.0.1", receiver.port());
            s.getOutputStream().write(half);
            halves.add(s);
        }
        try {
            // Others are served meanwhile: a new connection's chunk is acked while the slow frame is unfinished.
            try (ForwardSocket fresh = new ForwardSocket(receiver.port())) {
                fresh.send(ForwardSocket.chunk("fresh", "c-fresh", 5, 0));
                assertThat(fresh.readAck()).isEqualTo("c-fresh");
            }
            assertThat(trickled).as("the slow frame is still arriving").isNotDone();
            goodStreamAdvancedSince(mark);

            // The silent half frames are closed by the idle timeout, each logged and counted.
            for (Socket s : halves) {
                ServerHangup.await(s, IDLE.plusSeconds(10));
            }
            for (Socket s : halves) {
                logs.awaitPeer(s.getLocalPort(), "closing idle connection");
                logs.awaitPeer(s.getLocalPort(), "reason=truncated");
            }
            await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
                assertThat(receiver.metrics.idleClosed.get()).isGreaterThanOrEqualTo(idleBefore + halves.size());
                assertThat(receiver.protocolErrors("truncated")).isEqualTo(truncatedBefore + halves.size());
            });

            // The slow client was slow, not wrong: its chunk is acked and stored; then, silent, it is closed too.
            assertThat(trickled.get(30, TimeUnit.SECONDS)).isEqualTo("slow-1");
            kafka.awaitCount("slow", 1, Duration.ofSeconds(10));
            kafka.awaitCount("fresh", 5, Duration.ofSeconds(10));
            ServerHangup.await(trickler, IDLE.plusSeconds(10));
            logs.awaitPeer(trickler.getLocalPort(), "closing idle connection");
            assertThat(logs.forPeer(trickler.getLocalPort(), "reason=")).as("a slow valid client is no error").isEmpty();
        } finally {
            trickler.close();
            for (Socket s : halves) {
                s.close();
            }
        }
        goodStreamAdvancedSince(mark);
    }

    @Test
    @Order(4)
    void thousandIdleConnectionsThenTheOneTooMany() throws Exception {
        logs.forgetEarlier();
        long mark = kafka.count("good");
        // Earlier families' connections are gone; what is left is the good client (one connection, or two
        // for a moment if it reconnected).
        await().atMost(IDLE.plusSeconds(10)).until(() -> receiver.server.openConnections() <= 2);
        double refusedBefore = receiver.metrics.connectionsRefused.get();
        double idleBefore = receiver.metrics.idleClosed.get();
        List<Socket> idle = new ArrayList<>();
        try {
            for (int i = 0; i < 1000; i++) {
                idle.add(new Socket("127.0.0.1", receiver.port()));
            }
            await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(10))
                    .until(() -> receiver.metrics.connectionsOpen.get() >= 1001);
            assertThat(receiver.metrics.connectionsRefused.get()).as("1,000 are within max_connections").isEqualTo(refusedBefore);
            goodStreamAdvancedSince(mark);

            // Fill up to max_connections exactly, then each further connection is refused at once.
            for (int i = receiver.server.openConnections(); i < MAX_CONNECTIONS; i++) {
                idle.add(new Socket("127.0.0.1", receiver.port()));
            }
            await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(10))
                    .until(() -> receiver.server.openConnections() == MAX_CONNECTIONS);
            assertThat(receiver.metricsText()).contains("fluent_receiver_connections_open " + MAX_CONNECTIONS + ".0");
            for (int i = 0; i < 10; i++) {
                try (Socket extra = new Socket("127.0.0.1", receiver.port())) {
                    ServerHangup.await(extra, Duration.ofSeconds(3));
                    logs.awaitPeer(extra.getLocalPort(), "connection refused", "reason=max_connections");
                }
            }
            assertThat(receiver.metrics.connectionsRefused.get()).isEqualTo(refusedBefore + 10);
            long stillGood = kafka.count("good");
            goodStreamAdvancedSince(stillGood);

            // The idle timeout closes every one of them, with a log line each and the gauge back down.
            for (Socket s : idle) {
                ServerHangup.await(s, IDLE.plusSeconds(15));
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> receiver.metrics.connectionsOpen.get() <= 2);
            assertThat(receiver.metrics.idleClosed.get()).isGreaterThanOrEqualTo(idleBefore + idle.size());
            for (Socket s : idle) {
                assertThat(logs.forPeer(s.getLocalPort(), "closing idle connection")).hasSize(1);
            }
        } finally {
            for (Socket s : idle) {
                s.close();
            }
        }
        goodStreamAdvancedSince(mark);
    }

    @Test
    @Order(5)
    void heapStaysBoundedAndEveryGoodEventIsInKafkaAndAcked() throws Exception {
        // All hostile families above are over (every earlier test waited for its connections to close), so
        // anything they left reachable shows here. The hostile volume was far above the bound: two bombs of
        // 64 MiB each, 1,000+ connections, 64 KiB floods; what legitimately remains (the broker's and the
        // clients' buffers, JIT) moves by a few MiB.
        long heapAfter = usedHeapAfterGc();
        System.out.printf("used heap after GC: before the hostile families %d MiB, after %d MiB%n", heapBefore >> 20,
                heapAfter >> 20);
        assertThat(heapAfter - heapBefore).as("heap growth over the hostile families (before %d MiB, after %d MiB)",
                heapBefore >> 20, heapAfter >> 20).isLessThan(HEAP_BOUND);

        long sent = good.finish();
        assertThat(good.flushed).as("Fluency got an ack for every buffered chunk").isTrue();
        assertThat(good.errors).as("the good client never saw an error").isEmpty();
        await().atMost(Duration.ofSeconds(30)).until(() -> kafka.seqs("good").size() == sent);
        assertThat(kafka.seqs("good")).containsExactlyInAnyOrderElementsOf(LongStream.range(0, sent).boxed().toList());
        // The figures RELIABILITY.md quotes for this run.
        System.out.printf("good client: sent %d, acknowledged %d, in Kafka %d distinct (%d duplicates)%n", sent, sent,
                kafka.seqs("good").size(), kafka.count("good") - kafka.seqs("good").size());
        // Independent of the watcher: a fresh consumer reads them all too.
        long all = kafka.tags().stream().mapToLong(kafka::count).sum();
        assertThat(TestKafka.consume(receiver.topic, (int) all, Duration.ofSeconds(30)).stream()
                .filter(r -> new String(r.key(), StandardCharsets.UTF_8).equals("good")).count())
                .isGreaterThanOrEqualTo(sent);
        assertThat(receiver.metrics.acks.get()).isPositive();
        assertThat(receiver.protocolErrors("internal")).as("no hostile input reached an unexpected code path").isZero();
    }

    // ---- helpers -------------------------------------------------------------------------------------------

    /** Fluency with acks sending "good" events numbered by {@code seq}, ~150 a second, until finished. */
    private static final class GoodStream implements AutoCloseable {
        final Queue<Throwable> errors = new ConcurrentLinkedQueue<>();
        final AtomicLong emitted = new AtomicLong();
        final Fluency fluency;
        final Thread thread;
        volatile boolean running = true;
        volatile boolean flushed;

        GoodStream(int port) {
            FluencyBuilderForFluentd b = new FluencyBuilderForFluentd();
            b.setAckResponseMode(true);
            b.setFlushAttemptIntervalMillis(50);
            b.setBufferChunkRetentionTimeMillis(100); // small chunks often, so progress shows within a family
            b.setErrorHandler(errors::add);
            fluency = b.build("127.0.0.1", port);
            thread = new Thread(() -> {
                try {
                    while (running) {
                        long i = emitted.get();
                        fluency.emit("good", Map.of("seq", i, "message", "good " + i));
                        emitted.incrementAndGet();
                        Thread.sleep(6);
                    }
                } catch (Exception e) {
                    errors.add(e);
                }
            }, "good-stream");
            thread.start();
        }

        /** Stops emitting, waits for the acks of everything emitted; returns the number of events. */
        long finish() throws Exception {
            running = false;
            thread.join();
            fluency.flush();
            flushed = fluency.waitUntilAllBufferFlushed(30);
            return emitted.get();
        }

        @Override
        public void close() throws Exception {
            if (running) {
                finish();
            }
            fluency.close();
        }
    }

    /** The connection from {@code port} was counted once under its reason and logged once as an error. */
    private void assertCountedOnce(String reason, double before, int port) {
        await().atMost(Duration.ofSeconds(10)).until(() -> receiver.protocolErrors(reason) >= before + 1);
        logs.awaitPeer(port, "reason=" + reason);
        assertThat(receiver.protocolErrors(reason)).as("one count for one bad connection").isEqualTo(before + 1);
        assertThat(logs.forPeer(port, "reason=")).as("one log line for one bad connection").hasSize(1);
    }

    /** The good client's events kept reaching Kafka during the family that started at {@code mark}. */
    private void goodStreamAdvancedSince(long mark) {
        kafka.awaitCount("good", mark + PROGRESS, Duration.ofSeconds(15));
        assertThat(good.errors).as("the good client never saw an error").isEmpty();
    }

    private static String readAck(Socket s) throws IOException {
        MessageUnpacker in = MessagePack.newDefaultUnpacker(s.getInputStream());
        return in.unpackValue().asMapValue().map().values().iterator().next().toString();
    }

    private static long usedHeapAfterGc() throws InterruptedException {
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(100);
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    private static byte[] tagged(byte[] tag) {
        return pack(p -> {
            p.packArrayHeader(3).packRawStringHeader(tag.length).writePayload(tag).packLong(1_700_000_000L);
            Msgpack.writeRecord(p, Map.of("message", "bad tag"));
        });
    }
}
