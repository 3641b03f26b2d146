package io.dls.receiver.e2e;

import io.dls.receiver.sink.KafkaEventSink;
import io.dls.receiver.support.ExternalClient;
import io.dls.receiver.support.Msgpack;
import io.dls.receiver.support.Receivers;
import io.dls.testing.TestKafka;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.fluentd.logger.FluentLogger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.komamitsu.fluency.EventTime;
import org.komamitsu.fluency.Fluency;
import org.komamitsu.fluency.fluentd.FluencyBuilderForFluentd;
import org.msgpack.value.Value;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Real third-party forward clients against the real receiver and a real Kafka broker: what lands in Kafka
 * is checked record by record (key = tag, timestamp, value bytes, headers).
 */
class ClientsToKafkaTest {
    private Receivers.Running receiver;

    @AfterEach
    void stop() {
        if (receiver != null) {
            receiver.close();
        }
    }

    private static String header(ConsumerRecord<byte[], byte[]> r, String name) {
        Header h = r.headers().lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }

    private static Map<String, String> fields(byte[] value) {
        Map<String, String> out = new LinkedHashMap<>();
        for (Map.Entry<Value, Value> e : Msgpack.read(value).asMapValue().entrySet()) {
            out.put(e.getKey().toString(), e.getValue().toString());
        }
        return out;
    }

    @Test
    void fluencyPackedForwardWithAck() throws Exception {
        receiver = Receivers.start(Map.of());
        FluencyBuilderForFluentd builder = new FluencyBuilderForFluentd();
        builder.setAckResponseMode(true);
        builder.setFlushAttemptIntervalMillis(100);
        int n = 500;
        try (Fluency fluency = builder.build("127.0.0.1", receiver.port())) {
            for (int i = 0; i < n; i++) {
                Map<String, Object> rec = new LinkedHashMap<>();
                rec.put("message", "fluency event " + i);
                rec.put("i", i);
                fluency.emit("app.fluency", EventTime.fromEpoch(1_700_000_000L + i, 999_999_000L + (i % 1000)), rec);
            }
            fluency.flush();
            fluency.waitUntilAllBufferFlushed(20);
        }
        List<ConsumerRecord<byte[], byte[]>> records = TestKafka.consume(receiver.topic, n, Duration.ofSeconds(30));
        assertThat(records).hasSize(n);
        Set<String> chunkHeaders = new HashSet<>();
        for (int i = 0; i < n; i++) {
            ConsumerRecord<byte[], byte[]> r = records.get(i);
            assertThat(new String(r.key(), StandardCharsets.UTF_8)).isEqualTo("app.fluency");
            assertThat(fields(r.value())).containsEntry("message", "fluency event " + i).containsEntry("i", "" + i);
            long nanos = 999_999_000L + (i % 1000);
            assertThat(r.timestamp()).isEqualTo((1_700_000_000L + i) * 1000 + nanos / 1_000_000);
            ByteBuffer time = ByteBuffer.wrap(r.headers().lastHeader(KafkaEventSink.HEADER_TIME).value());
            assertThat(Integer.toUnsignedLong(time.getInt())).isEqualTo(1_700_000_000L + i);
            assertThat(time.getInt()).as("nanoseconds kept").isEqualTo((int) nanos);
            String chunk = header(r, KafkaEventSink.HEADER_CHUNK);
            assertThat(chunk).as("ack mode carries the chunk id").matches(".+#\\d+");
            chunkHeaders.add(chunk);
        }
        assertThat(chunkHeaders).as("chunk id + index is unique per event").hasSize(n);
        assertThat(receiver.metricsText()).contains("fluent_receiver_acks_total").doesNotContain("fluent_receiver_acks_total 0.0");
    }

    @Test
    void fluentLoggerJavaMessageMode() {
        receiver = Receivers.start(Map.of("source_address_key", "source_ip", "source_hostname_key", "source_host",
                "kafka.source_header", "true"));
        FluentLogger logger = FluentLogger.getLogger("java", "127.0.0.1", receiver.port());
        for (int i = 0; i < 20; i++) {
            Map<String, Object> rec = new LinkedHashMap<>();
            rec.put("message", "java event " + i);
            rec.put("service_name", "inventory");
            assertThat(logger.log("app", rec, 1_700_000_100L + i)).isTrue();
        }
        logger.flush();
        logger.close();
        List<ConsumerRecord<byte[], byte[]>> records = TestKafka.consume(receiver.topic, 20, Duration.ofSeconds(30));
        assertThat(records).hasSize(20);
        for (int i = 0; i < 20; i++) {
            ConsumerRecord<byte[], byte[]> r = records.get(i);
            assertThat(new String(r.key(), StandardCharsets.UTF_8)).isEqualTo("java.app");
            assertThat(r.timestamp()).isEqualTo((1_700_000_100L + i) * 1000);
            assertThat(r.headers().lastHeader(KafkaEventSink.HEADER_TIME)).as("integer time: no sub-second header").isNull();
            assertThat(r.headers().lastHeader(KafkaEventSink.HEADER_CHUNK)).as("no ack requested").isNull();
            assertThat(header(r, KafkaEventSink.HEADER_SOURCE)).isEqualTo("127.0.0.1");
            assertThat(fields(r.value())).containsEntry("message", "java event " + i)
                    .containsEntry("service_name", "inventory").containsEntry("source_ip", "127.0.0.1")
                    .containsEntry("source_host", java.net.InetAddress.getLoopbackAddress().getCanonicalHostName());
        }
    }

    @Test
    void pythonFluentLoggerWithNanoseconds() {
        receiver = Receivers.start(Map.of());
        ExternalClient.Result res = ExternalClient.python("{\"port\": " + receiver.port() + ", \"count\": 10}");
        assertThat(res.exitCode()).as(res.output()).isZero();
        List<ConsumerRecord<byte[], byte[]>> records = TestKafka.consume(receiver.topic, 10, Duration.ofSeconds(30));
        assertThat(records).hasSize(10);
        for (int i = 0; i < 10; i++) {
            ConsumerRecord<byte[], byte[]> r = records.get(i);
            assertThat(new String(r.key(), StandardCharsets.UTF_8)).isEqualTo("py.app");
            assertThat(r.timestamp()).isEqualTo((1_700_000_000L + i) * 1000 + 500);
            ByteBuffer time = ByteBuffer.wrap(r.headers().lastHeader(KafkaEventSink.HEADER_TIME).value());
            assertThat(time.getInt()).isEqualTo(1_700_000_000 + i);
            assertThat(time.getInt()).isEqualTo(500_000_000);
            assertThat(fields(r.value())).containsEntry("message", "python event " + i);
        }
    }

    @Test
    void nodeClientGzipWithHandshakeAndAck() {
        receiver = Receivers.start(Map.of("security.shared_key", "node-secret", "security.user_auth", "true",
                "security.users", "[{username: ops, password: pa55}]"));
        ExternalClient.Result res = ExternalClient.node("{\"port\": " + receiver.port()
                + ", \"mode\": \"CompressedPackedForward\", \"count\": 50, \"sharedKey\": \"node-secret\","
                + " \"username\": \"ops\", \"password\": \"pa55\"}");
        assertThat(res.output()).contains("acked 50");
        assertThat(res.exitCode()).isZero();
        List<ConsumerRecord<byte[], byte[]>> records = TestKafka.consume(receiver.topic, 50, Duration.ofSeconds(30));
        assertThat(records).hasSize(50);
        for (int i = 0; i < 50; i++) {
            ConsumerRecord<byte[], byte[]> r = records.get(i);
            assertThat(new String(r.key(), StandardCharsets.UTF_8)).isEqualTo("node.app");
            ByteBuffer time = ByteBuffer.wrap(r.headers().lastHeader(KafkaEventSink.HEADER_TIME).value());
            assertThat(time.getInt()).isEqualTo(1_700_000_000 + i);
            assertThat(time.getInt()).isEqualTo(1000 + i);
            assertThat(fields(r.value())).containsEntry("message", "node event " + i);
            assertThat(header(r, KafkaEventSink.HEADER_CHUNK)).isNotNull();
        }
    }

    @Test
    void nodeClientWithWrongSharedKeyIsRefused() {
        receiver = Receivers.start(Map.of("security.shared_key", "right"));
        ExternalClient.Result res = ExternalClient.node("{\"port\": " + receiver.port()
                + ", \"count\": 1, \"sharedKey\": \"wrong\"}");
        assertThat(res.output()).doesNotContain("acked 1").contains("failed");
        assertThat(res.exitCode()).isNotZero();
        assertThat(TestKafka.consume(receiver.topic, 1, Duration.ofSeconds(2))).isEmpty();
        assertThat(receiver.metricsText()).contains("fluent_receiver_protocol_errors_total{reason=\"auth\"} 1.0");
    }

    @Test
    void allFourNodeModes() {
        receiver = Receivers.start(Map.of());
        int total = 0;
        for (String mode : List.of("Message", "Forward", "PackedForward", "CompressedPackedForward")) {
            ExternalClient.Result res = ExternalClient.node("{\"port\": " + receiver.port() + ", \"mode\": \""
                    + mode + "\", \"count\": 7}");
            assertThat(res.output()).as(mode).contains("acked 7");
            total += 7;
        }
        assertThat(TestKafka.consume(receiver.topic, total, Duration.ofSeconds(30))).hasSize(total);
    }
}
