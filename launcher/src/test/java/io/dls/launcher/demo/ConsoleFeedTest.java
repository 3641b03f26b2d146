package io.dls.launcher.demo;

import io.dls.testing.TestKafka;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The demo's live console against a real broker: documents shaped like the job's output (LogEvent and
 * Alert toDocument, see flink-jobs) go into the three topics, and the console shows them in their
 * sections, skips heartbeats and what was there before it started, and picks up a topic created later.
 */
class ConsoleFeedTest {
    private static KafkaProducer<String, String> producer;

    @BeforeAll
    static void producer() {
        producer = new KafkaProducer<>(Map.of("bootstrap.servers", TestKafka.bootstrap(), "acks", "all"),
                new StringSerializer(), new StringSerializer());
    }

    @AfterAll
    static void close() {
        producer.close();
    }

    private static void send(String topic, String key, String json) throws Exception {
        producer.send(new ProducerRecord<>(topic, key, json)).get();
    }

    // As LogEvent.toDocument() writes them (nanosecond timestamps, ECS names, original fields under "fields").
    private static final String INFO = """
            {"@timestamp":"2026-03-01T10:15:02.123456789Z","message":"order 1234 placed","log":{"level":"INFO"},\
            "service":{"name":"order"},"host":{"name":"order-2"},"event":{"id":"e1","kind":"event","dataset":"demo.order",\
            "type":"LOG"},"fields":{"duration_ms":12}}""";
    private static final String HEARTBEAT = """
            {"@timestamp":"2026-03-01T10:15:02.500Z","log":{"level":"UNKNOWN"},"service":{"name":"order"},\
            "host":{"name":"order-2"},"event":{"id":"e2","kind":"state","dataset":"demo.order","type":"HEARTBEAT"},"status":"UP"}""";
    private static final String REGISTRATION = """
            {"@timestamp":"2026-03-01T10:15:00.001Z","message":"node payment-1 registered","log":{"level":"UNKNOWN"},\
            "service":{"name":"payment"},"host":{"name":"payment-1"},"event":{"id":"e3","kind":"state",\
            "dataset":"demo.payment","type":"REGISTRATION"},"status":"UP"}""";
    private static final String ERROR = """
            {"@timestamp":"2026-03-01T10:15:20.250Z","message":"payment for order 4711 failed: gateway timeout",\
            "log":{"level":"ERROR"},"service":{"name":"payment"},"host":{"name":"payment-1"},"event":{"id":"e4",\
            "kind":"event","dataset":"demo.payment","type":"LOG"},"error":{"message":"PaymentGatewayTimeoutException: no answer",\
            "stack_trace":"PaymentGatewayTimeoutException: no answer\\n\\tat x"}}""";
    // As Alert.toDocument() writes them.
    private static final String BURST_ALERT = """
            {"@timestamp":"2026-03-01T10:15:21.900Z","message":"5 errors from payment within 30s (a to b)",\
            "event":{"id":"a1","kind":"alert","severity":"critical","dataset":"alerts","start":"x","end":"y"},\
            "rule":{"name":"error-burst"},"alert":{"key":{"field":"service.name","value":"payment"},"count":5,\
            "event_ids":["e4"],"topic":"critical_logs"},"service":{"name":"payment"},"log":{"level":"ERROR"}}""";
    private static final String DOWN = """
            {"@timestamp":"2026-03-01T10:15:40Z","log":{"level":"UNKNOWN"},"service":{"name":"shipping"},\
            "host":{"name":"shipping-1"},"event":{"id":"e5","kind":"state","dataset":"demo.shipping","type":"HEARTBEAT"},"status":"DOWN"}""";
    private static final String TIMEOUT_ALERT = """
            {"@timestamp":"2026-03-01T10:15:45.002Z","message":"node shipping-2 silent for 15s since 2026-03-01T10:15:30Z",\
            "event":{"id":"a2","kind":"alert","severity":"critical","dataset":"alerts"},"rule":{"name":"heartbeat-timeout"},\
            "alert":{"key":{"field":"host.name","value":"shipping-2"},"count":1,"event_ids":["e9"],"topic":"node_failure"},\
            "service":{"name":"shipping"},"host":{"name":"shipping-2"},"log":{"level":"ERROR"}}""";

    @Test
    void showsEachTopicInItsSectionFromTheStartOnward() throws Exception {
        ConsoleTopics topics = new ConsoleTopics(TestKafka.newTopic("all_logs", 2), TestKafka.newTopic("critical_logs", 1),
                TestKafka.newTopic("node_failure", 1));
        send(topics.all(), "order", INFO.replace("order 1234 placed", "sent before the console started"));
        StringWriter text = new StringWriter();
        ConsolePrinter printer = new ConsolePrinter(new PrintWriter(text), false, false);
        ConsoleFeed feed = new ConsoleFeed(TestKafka.bootstrap(), topics, new EventFormatter(ZoneOffset.UTC), printer);
        feed.start();
        try {
            send(topics.all(), "order", INFO);
            send(topics.all(), "order", HEARTBEAT);
            send(topics.all(), "payment", REGISTRATION);
            send(topics.all(), "payment", ERROR);
            send(topics.critical(), "payment", ERROR);
            send(topics.critical(), "payment", BURST_ALERT);
            send(topics.nodeFailure(), "shipping-1", DOWN);
            send(topics.nodeFailure(), "shipping-2", TIMEOUT_ALERT);
            await().atMost(Duration.ofSeconds(15)).until(() -> printer.count(Section.ALL) == 3
                    && printer.count(Section.CRITICAL) == 1 && printer.count(Section.NODE) == 1 && printer.count(Section.ALERT) == 2);
            Thread.sleep(500); // nothing more may come (the heartbeat and the old event stay hidden)
        } finally {
            feed.close();
        }
        List<String> lines = text.toString().lines().toList();
        assertThat(lines).containsExactlyInAnyOrder(
                "[all     ] 10:15:02.123 INFO  order/order-2  order 1234 placed",
                "[all     ] 10:15:00.001 UP    payment/payment-1  node payment-1 registered",
                "[all     ] 10:15:20.250 ERROR payment/payment-1  payment for order 4711 failed: gateway timeout"
                        + "  (PaymentGatewayTimeoutException: no answer)",
                "[critical] 10:15:20.250 ERROR payment/payment-1  payment for order 4711 failed: gateway timeout"
                        + "  (PaymentGatewayTimeoutException: no answer)",
                "[ALERT   ] 10:15:21.900 critical error-burst payment: 5 errors from payment within 30s (a to b)",
                "[node    ] 10:15:40.000 DOWN  shipping/shipping-1  heartbeat status DOWN",
                "[ALERT   ] 10:15:45.002 critical heartbeat-timeout shipping-2: node shipping-2 silent for 15s since 2026-03-01T10:15:30Z");
        // Within one partition the order is the topic's order.
        assertThat(lines.stream().filter(l -> l.startsWith("[ALERT")).toList().get(0)).contains("error-burst");
        assertThat(printer.summary()).isEqualTo("console: all 3, critical 1, node 1, alerts 2");
    }

    @Test
    void aTopicCreatedAfterTheStartIsReadFromItsBeginning() throws Exception {
        String late = "node_failure-late-" + UUID.randomUUID();
        ConsoleTopics topics = new ConsoleTopics(TestKafka.newTopic("all_logs", 1), TestKafka.newTopic("critical_logs", 1), late);
        StringWriter text = new StringWriter();
        ConsolePrinter printer = new ConsolePrinter(new PrintWriter(text), false, false);
        ConsoleFeed feed = new ConsoleFeed(TestKafka.bootstrap(), topics, new EventFormatter(ZoneOffset.UTC), printer);
        feed.start();
        try {
            assertThat(text.toString()).contains("waiting for topic " + late);
            try (Admin admin = Admin.create(Map.of("bootstrap.servers", TestKafka.bootstrap()))) {
                admin.createTopics(List.of(new NewTopic(late, 1, (short) 1))).all().get();
            }
            send(late, "shipping-2", TIMEOUT_ALERT);
            send(topics.critical(), "payment", ERROR);
            await().atMost(Duration.ofSeconds(15)).until(() -> printer.count(Section.ALERT) == 1 && printer.count(Section.CRITICAL) == 1);
        } finally {
            feed.close();
        }
        assertThat(text.toString()).contains("[ALERT   ] 10:15:45.002 critical heartbeat-timeout shipping-2: ");
    }

    @Test
    void colourOnlyWhenAskedFor() {
        ConsoleLine line = new ConsoleLine(Section.CRITICAL, "10:15:20.250", "ERROR", "payment/payment-1  boom");
        StringWriter plain = new StringWriter();
        new ConsolePrinter(new PrintWriter(plain), false, false).print(line);
        assertThat(plain.toString()).doesNotContain("\u001b[").startsWith("[critical] 10:15:20.250 ERROR payment/payment-1  boom");
        StringWriter coloured = new StringWriter();
        new ConsolePrinter(new PrintWriter(coloured), true, false).print(line);
        assertThat(coloured.toString()).startsWith("\u001b[31m[critical]\u001b[0m").contains("\u001b[1;31mERROR ")
                .contains("payment/payment-1  boom");
        StringWriter quiet = new StringWriter();
        ConsolePrinter q = new ConsolePrinter(new PrintWriter(quiet), true, true);
        q.print(line);
        assertThat(quiet.toString()).isEmpty();
        assertThat(q.count(Section.CRITICAL)).isEqualTo(1);
    }
}
