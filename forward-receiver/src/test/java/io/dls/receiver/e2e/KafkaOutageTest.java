package io.dls.receiver.e2e;

import io.dls.receiver.config.ConfigLoader;
import io.dls.receiver.config.ReceiverConfig;
import io.dls.receiver.ops.AdminServer;
import io.dls.receiver.ops.ReceiverMetrics;
import io.dls.receiver.server.ForwardServer;
import io.dls.receiver.sink.InFlightGate;
import io.dls.receiver.sink.KafkaEventSink;
import io.dls.receiver.support.Msgpack;
import io.dls.testing.KafkaProcess;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.Test;
import org.komamitsu.fluency.Fluency;
import org.komamitsu.fluency.fluentd.FluencyBuilderForFluentd;

import java.time.Duration;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The Kafka broker is killed (SIGKILL) under a client that wants acks: nothing is acked while it is away,
 * /health says DOWN, and once it is restarted on the same data every event the client sent (and retried until
 * acked) is in Kafka.
 */
class KafkaOutageTest {

    @Test
    void noAckWhileKafkaIsDownAndNothingLostAfterwards() throws Exception {
        try (KafkaProcess kafka = KafkaProcess.start()) {
            String bootstrap = kafka.bootstrap();
            try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
                admin.createTopics(List.of(new NewTopic("outage", 1, (short) 1))).all().get();
            }
            Map<String, String> set = new LinkedHashMap<>();
            set.put("port", "0");
            set.put("bind", "127.0.0.1");
            set.put("kafka.bootstrap_servers", bootstrap);
            set.put("kafka.topic", "outage");
            set.put("kafka.producer.delivery.timeout.ms", "6000");
            set.put("kafka.producer.request.timeout.ms", "2000");
            set.put("kafka.producer.linger.ms", "5");
            ReceiverConfig cfg = new ConfigLoader().load(null, Map.of(), set);
            ReceiverMetrics metrics = new ReceiverMetrics();
            InFlightGate gate = new InFlightGate(cfg.maxBytesInFlight().bytes());
            KafkaEventSink sink = new KafkaEventSink(cfg.kafkaSink(), gate, metrics);
            sink.awaitTopic(Duration.ofSeconds(1));
            ForwardServer server = new ForwardServer(cfg, sink, gate, metrics).start();
            AdminServer admin = new AdminServer("127.0.0.1", 0, metrics, sink::isReady);
            try {
                FluencyBuilderForFluentd b = new FluencyBuilderForFluentd();
                b.setAckResponseMode(true);
                b.setFlushAttemptIntervalMillis(100);
                b.setReadTimeoutMilli(3000);
                b.setSenderMaxRetryCount(1000);
                b.setSenderBaseRetryIntervalMillis(200);
                b.setSenderMaxRetryIntervalMillis(1000);
                try (Fluency fluency = b.build("127.0.0.1", server.port())) {
                    emit(fluency, 0, 100);
                    fluency.flush();
                    assertThat(fluency.waitUntilAllBufferFlushed(20)).isTrue();
                    org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10))
                            .until(() -> metrics.records.get() >= 100);
                    Thread.sleep(500); // the last ack write
                    double acksBefore = metrics.acks.get();
                    assertThat(acksBefore).isPositive();

                    kafka.kill();
                    emit(fluency, 100, 200);
                    fluency.flush();
                    Thread.sleep(8000);
                    org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(15))
                            .until(() -> health(admin) == 503);
                    assertThat(metrics.acks.get()).as("no ack while Kafka is down").isEqualTo(acksBefore);
                    assertThat(metrics.kafkaErrors.get()).as("the failed sends were counted").isPositive();

                    kafka.startBroker();
                    org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30))
                            .until(() -> health(admin) == 200);
                    assertThat(fluency.waitUntilAllBufferFlushed(90)).as("client drained after Kafka returned").isTrue();
                }
            } finally {
                admin.close();
                server.shutdownGracefully(Duration.ofSeconds(10));
                sink.close();
            }
            Set<String> messages = new HashSet<>();
            for (ConsumerRecord<byte[], byte[]> r : readAll(bootstrap, "outage")) {
                messages.add(Msgpack.read(r.value()).asMapValue().map().values().iterator().next().toString());
            }
            for (int i = 0; i < 200; i++) {
                assertThat(messages).as("event " + i + " is in Kafka").contains("event " + i);
            }
        }
    }

    private static int health(AdminServer admin) throws Exception {
        java.net.HttpURLConnection c = (java.net.HttpURLConnection)
                java.net.URI.create("http://127.0.0.1:" + admin.port() + "/health").toURL().openConnection();
        try {
            return c.getResponseCode();
        } finally {
            c.disconnect();
        }
    }

    private static void emit(Fluency fluency, int from, int to) throws Exception {
        for (int i = from; i < to; i++) {
            fluency.emit("outage.app", Map.of("message", "event " + i));
        }
    }

    private static List<ConsumerRecord<byte[], byte[]>> readAll(String bootstrap, String topic) {
        Map<String, Object> p = Map.of("bootstrap.servers", bootstrap, "auto.offset.reset", "earliest",
                "enable.auto.commit", "false");
        List<ConsumerRecord<byte[], byte[]>> out = new java.util.ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            TopicPartition tp = new TopicPartition(topic, 0);
            c.assign(List.of(tp));
            c.seekToBeginning(List.of(tp));
            long end = c.endOffsets(List.of(tp)).get(tp);
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (c.position(tp) < end && System.nanoTime() < deadline) {
                c.poll(Duration.ofMillis(200)).forEach(out::add);
            }
        }
        return out;
    }
}
