package io.dls.receiver.e2e;

import io.dls.receiver.sink.KafkaEventSink;
import io.dls.receiver.sink.KafkaSinkConfig;
import io.dls.receiver.support.ExternalClient;
import io.dls.receiver.support.Msgpack;
import io.dls.receiver.support.Receivers;
import io.dls.testing.TestKafka;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.komamitsu.fluency.Fluency;
import org.komamitsu.fluency.fluentd.FluencyBuilderForFluentd;
import org.msgpack.value.Value;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Events larger than Kafka's 1 MiB default, sent by real clients: stored whole when the topic allows it,
 * cut with a {@code fluent.truncated} header when Kafka or chunk_size_limit does not, and in every case the
 * chunk is acked and the events around the big one are stored as sent.
 */
class BigEventsTest {
    private static final int TWO_MIB = 2 << 20;
    private Receivers.Running receiver;

    @AfterEach
    void stop() {
        if (receiver != null) {
            receiver.close();
        }
    }

    /** A topic as ./dls creates it: max.message.bytes room for an event of chunk_size_limit. */
    private static String bigTopic() {
        String name = "big-" + UUID.randomUUID().toString().substring(0, 8);
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", TestKafka.bootstrap()))) {
            admin.createTopics(List.of(new NewTopic(name, 1, (short) 1).configs(Map.of("max.message.bytes",
                    Long.toString(KafkaSinkConfig.maxRecordBytesFor(32L << 20)))))).all().get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        return name;
    }

    private static Map<String, Object> event(int i, int messageBytes, boolean incompressible) {
        Map<String, Object> rec = new LinkedHashMap<>();
        String head = "event " + i + " ";
        String filler;
        if (incompressible) {
            // lz4 makes a megabyte of one letter a few kilobytes, which Kafka takes whatever its limit.
            StringBuilder sb = new StringBuilder(messageBytes);
            java.util.Random random = new java.util.Random(i);
            for (int k = head.length(); k < messageBytes; k++) {
                sb.append((char) ('a' + random.nextInt(26)));
            }
            filler = sb.toString();
        } else {
            filler = "x".repeat(Math.max(0, messageBytes - head.length()));
        }
        rec.put("message", head + filler);
        rec.put("i", i);
        return rec;
    }

    /** Sends events 0..n-1 with Fluency (PackedForward, ack), event {@code big} with a message that long. */
    private void sendWithFluency(int n, int big, int bigBytes) throws Exception {
        sendWithFluency(n, big, bigBytes, false);
    }

    private void sendWithFluency(int n, int big, int bigBytes, boolean incompressible) throws Exception {
        FluencyBuilderForFluentd builder = new FluencyBuilderForFluentd();
        builder.setAckResponseMode(true);
        builder.setFlushAttemptIntervalMillis(100);
        builder.setBufferChunkInitialSize(4 << 20);
        builder.setBufferChunkRetentionSize(64 << 20);
        builder.setMaxBufferSize(256L << 20);
        builder.setJvmHeapBufferMode(true);
        builder.setSenderMaxRetryCount(3);
        try (Fluency fluency = builder.build("127.0.0.1", receiver.port())) {
            for (int i = 0; i < n; i++) {
                fluency.emit("app.big", 1_700_000_000L + i, event(i, i == big ? bigBytes : 20, i == big && incompressible));
            }
            fluency.flush();
            assertThat(fluency.waitUntilAllBufferFlushed(60)).as("Fluency got its acks").isTrue();
        }
    }

    private static Map<String, Value> fields(byte[] value) {
        Map<String, Value> out = new LinkedHashMap<>();
        for (Map.Entry<Value, Value> e : Msgpack.read(value).asMapValue().entrySet()) {
            out.put(e.getKey().toString(), e.getValue());
        }
        return out;
    }

    private static String header(ConsumerRecord<byte[], byte[]> r, String name) {
        Header h = r.headers().lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }

    private static void assertNeighboursWhole(List<ConsumerRecord<byte[], byte[]>> records, int big) {
        for (int i = 0; i < records.size(); i++) {
            if (i == big) {
                continue;
            }
            Map<String, Value> f = fields(records.get(i).value());
            assertThat(f.get("i").asIntegerValue().toInt()).isEqualTo(i);
            assertThat(f.get("message").toString()).isEqualTo("event " + i + " " + "x".repeat(20 - ("event " + i + " ").length()));
            assertThat(header(records.get(i), KafkaEventSink.HEADER_TRUNCATED)).isNull();
        }
    }

    @Test
    void twoMebibyteEventWithAckIsStoredWholeAmongItsNeighbours() throws Exception {
        receiver = Receivers.start(Map.of("kafka.topic", bigTopic()));
        sendWithFluency(5, 2, TWO_MIB);
        List<ConsumerRecord<byte[], byte[]>> records = TestKafka.consume(receiver.topic, 5, Duration.ofSeconds(60));
        assertThat(records).hasSize(5);
        Map<String, Value> big = fields(records.get(2).value());
        assertThat(big.get("message").asStringValue().asByteArray()).hasSize(TWO_MIB);
        assertThat(header(records.get(2), KafkaEventSink.HEADER_TRUNCATED)).isNull();
        assertNeighboursWhole(records, 2);
        assertThat(receiver.metrics.acks.get()).isGreaterThanOrEqualTo(1);
        assertThat(receiver.metrics.kafkaErrors.get()).isZero();
    }

    @Test
    void fortyMebibyteEventOverChunkSizeLimitIsCutAndItsChunkAcked() throws Exception {
        receiver = Receivers.start(Map.of("kafka.topic", bigTopic()));
        int forty = 40 << 20;
        sendWithFluency(5, 3, forty);
        List<ConsumerRecord<byte[], byte[]>> records = TestKafka.consume(receiver.topic, 5, Duration.ofSeconds(60));
        assertThat(records).hasSize(5);
        ConsumerRecord<byte[], byte[]> big = records.get(3);
        Map<String, Value> f = fields(big.value());
        assertThat(f.get("i").asIntegerValue().toInt()).isEqualTo(3);
        String message = f.get("message").toString();
        assertThat(message).startsWith("event 3 xxx").hasSizeLessThanOrEqualTo(512 * 1024);
        long original = Long.parseLong(header(big, KafkaEventSink.HEADER_TRUNCATED));
        assertThat(original).as("the record's size as sent").isBetween((long) forty, forty + 64L);
        assertNeighboursWhole(records, 3);
        assertThat(receiver.metrics.truncatedEvents.labelValues("chunk_size_limit").get()).isEqualTo(1.0);
        assertThat(receiver.protocolErrors("too_large")).isZero();
    }

    @Test
    void eventKafkaRefusesIsStoredCutWithItsOriginalSize() throws Exception {
        // A topic with Kafka's default max.message.bytes (1 MiB): an existing topic nobody raised.
        receiver = Receivers.start(Map.of());
        sendWithFluency(5, 1, TWO_MIB, true);
        List<ConsumerRecord<byte[], byte[]>> records = TestKafka.consume(receiver.topic, 5, Duration.ofSeconds(60));
        assertThat(records).hasSize(5);
        ConsumerRecord<byte[], byte[]> big = records.stream()
                .filter(r -> fields(r.value()).get("i").asIntegerValue().toInt() == 1).findFirst().orElseThrow();
        assertThat(big.value().length).isLessThan(1 << 20);
        assertThat(fields(big.value()).get("message").toString()).startsWith("event 1 ").hasSizeGreaterThan(500_000);
        assertThat(Long.parseLong(header(big, KafkaEventSink.HEADER_TRUNCATED))).isGreaterThan(TWO_MIB);
        assertThat(receiver.metrics.truncatedEvents.labelValues("kafka_too_large").get()).isEqualTo(1.0);
        assertThat(records.stream().filter(r -> header(r, KafkaEventSink.HEADER_TRUNCATED) == null)).hasSize(4);
    }

    @Test
    void clientWithoutAckSeesItsTwoMebibyteEventStored() {
        receiver = Receivers.start(Map.of("kafka.topic", bigTopic()));
        ExternalClient.Result res = ExternalClient.python("{\"port\": " + receiver.port()
                + ", \"count\": 3, \"big\": {\"index\": 1, \"bytes\": " + TWO_MIB + "}}");
        assertThat(res.exitCode()).as(res.output()).isZero();
        List<ConsumerRecord<byte[], byte[]>> records = TestKafka.consume(receiver.topic, 3, Duration.ofSeconds(60));
        assertThat(records).hasSize(3);
        assertThat(fields(records.get(1).value()).get("message").asStringValue().asByteArray()).hasSize(TWO_MIB);
        assertThat(header(records.get(1), KafkaEventSink.HEADER_TRUNCATED)).isNull();
        assertThat(fields(records.get(2).value()).get("message").toString()).isEqualTo("python event 2");
    }
}
