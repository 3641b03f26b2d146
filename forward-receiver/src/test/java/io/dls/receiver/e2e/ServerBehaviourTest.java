package io.dls.receiver.e2e;

import io.dls.receiver.sink.KafkaEventSink;
import io.dls.receiver.support.ForwardSocket;
import io.dls.receiver.support.Receivers;
import io.dls.testing.TestKafka;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.komamitsu.fluency.Fluency;
import org.komamitsu.fluency.fluentd.FluencyBuilderForFluentd;

import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The running server on real sockets, publishing to the real broker. */
class ServerBehaviourTest {
    private Receivers.Running receiver;

    @AfterEach
    void stop() {
        if (receiver != null) {
            receiver.close();
        }
    }

    @Test
    void malformedConnectionsDoNotDisturbAWellBehavedClient() throws Exception {
        receiver = Receivers.start(Map.of());
        int n = 3000;
        CompletableFuture<Void> good = CompletableFuture.runAsync(() -> {
            FluencyBuilderForFluentd b = new FluencyBuilderForFluentd();
            b.setAckResponseMode(true);
            b.setFlushAttemptIntervalMillis(50);
            try (Fluency f = b.build("127.0.0.1", receiver.port())) {
                for (int i = 0; i < n; i++) {
                    f.emit("good", Map.of("message", "good " + i));
                    if (i % 100 == 0) {
                        Thread.sleep(20);
                    }
                }
                f.flush();
                f.waitUntilAllBufferFlushed(30);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        byte[][] garbage = {
                {(byte) 0xc1},
                {(byte) 0x93, (byte) 0xdb, 0x7f, -1, -1, -1},
                {(byte) 0x81, (byte) 0xa1, 'a', 1},
                "[\"t\", 1}".getBytes(StandardCharsets.UTF_8), // one bad_json frame (a connection counts once)
        };
        for (int i = 0; i < 20; i++) {
            try (ForwardSocket bad = new ForwardSocket(receiver.port())) {
                bad.send(garbage[i % garbage.length]);
                assertThat(bad.closedByServer()).as("bad connection " + i + " is closed").isTrue();
            }
        }
        good.get();
        List<ConsumerRecord<byte[], byte[]>> records = TestKafka.consume(receiver.topic, n, Duration.ofSeconds(30));
        assertThat(records).hasSize(n);
        assertThat(receiver.metricsText()).contains("fluent_receiver_protocol_errors_total{reason=\"bad_type\"} 5.0",
                "fluent_receiver_protocol_errors_total{reason=\"too_large\"} 5.0",
                "fluent_receiver_protocol_errors_total{reason=\"not_array\"} 5.0",
                "fluent_receiver_protocol_errors_total{reason=\"bad_json\"} 5.0");
    }

    @Test
    void udpHeartbeatIsAnsweredWithOneByte() throws Exception {
        receiver = Receivers.start(Map.of());
        try (DatagramSocket udp = new DatagramSocket()) {
            udp.setSoTimeout(5000);
            udp.send(new DatagramPacket(new byte[]{0}, 1, InetAddress.getLoopbackAddress(), receiver.port()));
            DatagramPacket reply = new DatagramPacket(new byte[16], 16);
            udp.receive(reply);
            assertThat(reply.getLength()).isEqualTo(1);
            assertThat(reply.getData()[0]).isZero();
        }
    }

    @Test
    void tcpConnectAndCloseAndNilAreHarmless() throws Exception {
        receiver = Receivers.start(Map.of());
        for (int i = 0; i < 5; i++) {
            new Socket("127.0.0.1", receiver.port()).close();
        }
        try (ForwardSocket s = new ForwardSocket(receiver.port())) {
            s.send(new byte[]{(byte) 0xc0});
            s.send(ForwardSocket.chunk("after.nil", "c-nil", 3, 0));
            assertThat(s.readAck()).isEqualTo("c-nil");
        }
        assertThat(TestKafka.consume(receiver.topic, 3, Duration.ofSeconds(20))).hasSize(3);
        assertThat(receiver.metricsText()).doesNotContain("fluent_receiver_protocol_errors_total{");
    }

    @Test
    void maxConnectionsRefusesTheOneTooMany() throws Exception {
        receiver = Receivers.start(Map.of("max_connections", "3"));
        List<ForwardSocket> open = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            open.add(new ForwardSocket(receiver.port()));
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> receiver.server.openConnections() == 3);
        try (ForwardSocket extra = new ForwardSocket(receiver.port())) {
            assertThat(extra.closedByServer()).isTrue();
        }
        open.get(0).send(ForwardSocket.chunk("still", "c-still", 1, 0));
        assertThat(open.get(0).readAck()).isEqualTo("c-still");
        for (ForwardSocket s : open) {
            s.close();
        }
        assertThat(receiver.metricsText()).contains("fluent_receiver_connections_refused_total 1.0");
    }

    @Test
    void idleConnectionsAreClosed() throws Exception {
        // Under a second on purpose: the timeout was once taken in whole seconds, so "700ms" meant "never".
        receiver = Receivers.start(Map.of("idle_timeout", "700ms"));
        try (ForwardSocket idle = new ForwardSocket(receiver.port())) {
            long start = System.nanoTime();
            assertThat(idle.closedByServer()).isTrue();
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isBetween(Duration.ofMillis(300), Duration.ofSeconds(10));
        }
    }

    @Test
    void metricsAndHealthOverHttp() throws Exception {
        receiver = Receivers.start(Map.of());
        try (ForwardSocket s = new ForwardSocket(receiver.port())) {
            s.send(ForwardSocket.chunk("http", "c-http", 10, 0));
            s.readAck();
        }
        HttpClient http = HttpClient.newHttpClient();
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            HttpResponse<String> health = http.send(HttpRequest.newBuilder(URI.create(receiver.http("/health"))).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(health.statusCode()).isEqualTo(200);
            assertThat(health.body()).contains("\"UP\"");
        });
        HttpResponse<String> metrics = http.send(HttpRequest.newBuilder(URI.create(receiver.http("/metrics"))).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(metrics.statusCode()).isEqualTo(200);
        assertThat(metrics.body()).contains("fluent_receiver_records_total 10.0", "fluent_receiver_chunks_total 1.0",
                "fluent_receiver_acks_total 1.0", "fluent_receiver_kafka_chunk_latency_seconds_bucket",
                "fluent_receiver_kafka_bytes_in_flight 0.0", "fluent_receiver_connections_open");
    }

    @Test
    void backpressureKeepsBytesInFlightBounded() throws Exception {
        receiver = Receivers.start(Map.of("max_bytes_in_flight", "64k", "kafka.producer.linger.ms", "20"));
        AtomicLong peak = new AtomicLong();
        Thread sampler = new Thread(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                peak.accumulateAndGet(receiver.gate.bytesInFlight(), Math::max);
                Thread.onSpinWait();
            }
        });
        sampler.start();
        int chunks = 300;
        int perChunk = 50;
        byte[] one = ForwardSocket.chunk("bp", "c-0", perChunk, 0);
        Set<String> acked = new HashSet<>();
        try (ForwardSocket s = new ForwardSocket(receiver.port())) {
            // Pipelined: everything is written before any ack is read, as an agent with many chunks would.
            CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
                try {
                    for (int c = 0; c < chunks; c++) {
                        s.send(ForwardSocket.chunk("bp", "c-" + c, perChunk, c * perChunk));
                    }
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            for (int c = 0; c < chunks; c++) {
                acked.add(s.readAck());
            }
            writer.get();
        } finally {
            sampler.interrupt();
            sampler.join();
        }
        assertThat(acked).hasSize(chunks);
        assertThat(TestKafka.consume(receiver.topic, chunks * perChunk, Duration.ofSeconds(30))).hasSize(chunks * perChunk);
        // The gate stops reads at 64 KiB; what was already read in the same socket read may still go out.
        assertThat(peak.get()).as("peak bytes in flight").isPositive().isLessThan(64 * 1024 + 128 * one.length);
    }

    @Test
    void gracefulShutdownAcksWhatItRead() throws Exception {
        receiver = Receivers.start(Map.of());
        List<String> acks = new ArrayList<>();
        try (ForwardSocket s = new ForwardSocket(receiver.port())) {
            for (int c = 0; c < 40; c++) {
                s.send(ForwardSocket.chunk("bye", "c-" + c, 100, c * 100));
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> receiver.metrics.chunks.get() >= 1);
            receiver.server.shutdownGracefully(Duration.ofSeconds(10));
            try {
                while (true) {
                    acks.add(s.readAck());
                }
            } catch (Exception closed) {
                // the server closed the connection after the last ack
            }
        }
        double read = receiver.metrics.chunks.get();
        assertThat(acks).as("every chunk the server read was acked before it closed").hasSize((int) read);
        Set<String> stored = new HashSet<>();
        for (ConsumerRecord<byte[], byte[]> r : TestKafka.consume(receiver.topic, acks.size() * 100, Duration.ofSeconds(20))) {
            String h = new String(r.headers().lastHeader(KafkaEventSink.HEADER_CHUNK).value(), StandardCharsets.UTF_8);
            stored.add(h.substring(0, h.lastIndexOf('#')));
        }
        assertThat(stored).containsAll(acks);
    }
}
