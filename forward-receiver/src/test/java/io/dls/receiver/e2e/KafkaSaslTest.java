package io.dls.receiver.e2e;

import io.dls.receiver.codec.Chunk;
import io.dls.receiver.codec.Event;
import io.dls.receiver.ops.ReceiverMetrics;
import io.dls.receiver.sink.EventSink;
import io.dls.receiver.sink.InFlightGate;
import io.dls.receiver.sink.KafkaEventSink;
import io.dls.receiver.sink.KafkaSinkConfig;
import io.dls.receiver.support.Msgpack;
import io.dls.receiver.support.Receivers;
import io.dls.testing.KafkaProcess;
import io.dls.testing.TestKafka;
import org.apache.kafka.common.errors.AuthenticationException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.komamitsu.fluency.Fluency;
import org.komamitsu.fluency.fluentd.FluencyBuilderForFluentd;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The receiver against a broker that demands SASL/PLAIN on its client listener, configured only through
 * {@code kafka.producer.*} settings as an operator would write them. The broker's PLAINTEXT listener is
 * used by the test alone, to create the topic and read what arrived.
 */
class KafkaSaslTest {
    private static final String PASSWORD = "dls-sasl-" + UUID.randomUUID();
    private static KafkaProcess kafka;

    @BeforeAll
    static void broker() {
        kafka = KafkaProcess.startWithSaslPlain(Map.of("admin", "admin-" + UUID.randomUUID(), "dls", PASSWORD));
    }

    @AfterAll
    static void stopBroker() {
        if (kafka != null) {
            kafka.close();
        }
    }

    private static Map<String, String> saslSettings(String topic, String password) {
        return Map.of("kafka.bootstrap_servers", kafka.saslBootstrap(), "kafka.topic", topic,
                "kafka.producer.security.protocol", "SASL_PLAINTEXT", "kafka.producer.sasl.mechanism", "PLAIN",
                "kafka.producer.sasl.jaas.config", KafkaProcess.plainJaas("dls", password));
    }

    @Test
    void fluencyEventsReachKafkaThroughSasl() throws Exception {
        String topic = "sasl-raw-" + UUID.randomUUID().toString().substring(0, 8);
        kafka.createTopic(topic, 1);
        try (Receivers.Running receiver = Receivers.start(saslSettings(topic, PASSWORD))) {
            FluencyBuilderForFluentd b = new FluencyBuilderForFluentd();
            b.setAckResponseMode(true);
            b.setFlushAttemptIntervalMillis(100);
            try (Fluency fluency = b.build("127.0.0.1", receiver.port())) {
                for (int i = 0; i < 50; i++) {
                    fluency.emit("sasl.app", Map.of("message", "through sasl " + i));
                }
                fluency.flush();
                assertThat(fluency.waitUntilAllBufferFlushed(30)).as("every chunk acked").isTrue();
            }
            // The health probe is an admin client with the same SASL settings: it must log in as well.
            // It stays 200 across a probe cycle (5 s), not only after the producer's first metadata answer.
            await().during(Duration.ofSeconds(6)).atMost(Duration.ofSeconds(10))
                    .until(() -> status(receiver.http("/health")) == 200);
        }
        assertThat(TestKafka.consume(kafka.bootstrap(), topic, 50, Duration.ofSeconds(30))).hasSize(50)
                .allSatisfy(r -> assertThat(Msgpack.read(r.value()).toString()).contains("through sasl"));
    }

    private static int status(String url) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url)).build(),
                HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    private static Throwable rootOrSelf(Throwable t) {
        while (!(t instanceof AuthenticationException) && t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t;
    }

    /**
     * The sink on its own (the whole receiver would wait for Kafka before listening, see ReceiverSecretsIT):
     * with a wrong password a chunk fails with Kafka's authentication error instead of being acked, and the
     * health probe reports Kafka unreachable.
     */
    @Test
    void wrongPasswordFailsTheChunkAndHealth() throws Exception {
        String topic = "sasl-wrong-" + UUID.randomUUID().toString().substring(0, 8);
        kafka.createTopic(topic, 1);
        Map<String, String> producer = Map.of("security.protocol", "SASL_PLAINTEXT", "sasl.mechanism", "PLAIN",
                "sasl.jaas.config", KafkaProcess.plainJaas("dls", "not-" + PASSWORD));
        InFlightGate gate = new InFlightGate(1 << 20);
        try (KafkaEventSink sink = new KafkaEventSink(new KafkaSinkConfig(kafka.saslBootstrap(), topic, false, producer),
                gate, new ReceiverMetrics())) {
            CompletableFuture<Exception> outcome = new CompletableFuture<>();
            byte[] record = Msgpack.record(Map.of("message", "must not land"));
            sink.publish(new Chunk("sasl.app", List.of(new Event(1_700_000_000L, 0, false, record)), null, null,
                    Map.of()), null, new EventSink.Listener() {
                @Override
                public void stored() {
                    outcome.complete(null);
                }

                @Override
                public void failed(Exception cause) {
                    outcome.complete(cause);
                }
            });
            Exception cause = outcome.get(30, TimeUnit.SECONDS);
            assertThat(cause).as("the chunk must fail, so the client gets no ack").isNotNull();
            assertThat(rootOrSelf(cause)).isInstanceOf(AuthenticationException.class);
            // With a broker that let the wrong password in, the probe (every 5 s, first at once) would say ready.
            await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(4)).until(() -> !sink.isReady());
        }
        assertThat(TestKafka.consume(kafka.bootstrap(), topic, 1, Duration.ofSeconds(2))).isEmpty();
    }
}
