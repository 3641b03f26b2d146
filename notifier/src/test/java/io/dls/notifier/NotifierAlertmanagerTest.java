package io.dls.notifier;

import com.fasterxml.jackson.databind.JsonNode;
import io.dls.testing.TestKafka;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The notifier between a real Kafka broker (in this JVM) and real Alertmanager processes (Debian's
 * package): what Alertmanager shows is what is asserted.
 */
class NotifierAlertmanagerTest {
    private static final Path SHIPPED_CONFIG = Path.of("../alertmanager/alertmanager.yml");

    private final List<AutoCloseable> closeAfter = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (int i = closeAfter.size() - 1; i >= 0; i--) {
            closeAfter.get(i).close();
        }
    }

    private AlertmanagerProcess alertmanager(Path config) throws Exception {
        AlertmanagerProcess am = config == null ? AlertmanagerProcess.startQuiet() : AlertmanagerProcess.start(config);
        closeAfter.add(am);
        return am;
    }

    private Notifier notifier(NotifierConfig cfg) throws Exception {
        Notifier n = new Notifier(cfg);
        Thread t = new Thread(n, "notifier-under-test");
        t.setDaemon(true);
        t.start();
        closeAfter.add(n);
        assertThat(n.awaitReplayed(Duration.ofSeconds(30))).as("start-up replay done").isTrue();
        assertThat(n.awaitAssigned(Duration.ofSeconds(30))).as("partitions assigned").isTrue();
        return n;
    }

    private KafkaProducer<String, String> producer() {
        KafkaProducer<String, String> p = AlertDocs.producer(TestKafka.bootstrap());
        closeAfter.add(p);
        return p;
    }

    private static NotifierConfig config(String topic, Duration resend, Duration resolveAfter,
                                         AlertmanagerProcess... ams) {
        return NotifierConfig.defaults(TestKafka.bootstrap(),
                        java.util.Arrays.stream(ams).map(AlertmanagerProcess::url).toList())
                .withTopic(topic, "dls-notifier-" + UUID.randomUUID())
                .withTimes(resend, resolveAfter, Duration.ofHours(1));
    }

    private static long committed(String group, String topic) throws Exception {
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", TestKafka.bootstrap()))) {
            OffsetAndMetadata o = admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get()
                    .get(new TopicPartition(topic, 0));
            return o == null ? -1 : o.offset();
        }
    }

    @Test
    void errorBurstReachesEveryAlertmanagerWithLabelsAndAnnotationsAndResolvesAfterItsWindow() throws Exception {
        AlertmanagerProcess am1 = alertmanager(null);
        AlertmanagerProcess am2 = alertmanager(null);
        String topic = TestKafka.newTopic("alerts", 1);
        notifier(config(topic, Duration.ofMinutes(1), Duration.ofSeconds(4), am1, am2));
        KafkaProducer<String, String> p = producer();

        Instant now = Instant.now();
        String burst = AlertDocs.errorBurst("checkout", now, Map.of(
                "labels", Map.of("team", "payments", "tier.level", "1"),
                "description", "5 or more ERROR/FATAL logs from one service within 30 s",
                "runbook_url", "https://runbooks.example/error-burst",
                "resolve_after_ms", 3000));
        long sent = System.nanoTime();
        AlertDocs.send(p, topic, "checkout", burst);

        for (AlertmanagerProcess am : List.of(am1, am2)) {
            JsonNode a = await("error-burst in " + am.url()).atMost(Duration.ofSeconds(2))
                    .pollInterval(Duration.ofMillis(50))
                    .until(() -> am.find(Map.of("alertname", "error-burst", "service", "checkout")), Optional::isPresent)
                    .orElseThrow();
            assertThat(a.path("labels").path("severity").asText()).isEqualTo("critical");
            assertThat(a.path("labels").path("team").asText()).isEqualTo("payments");
            assertThat(a.path("labels").path("tier_level").asText()).as("sanitized label name").isEqualTo("1");
            JsonNode ann = a.path("annotations");
            assertThat(ann.path("summary").asText()).isEqualTo("5 errors from checkout within 30s");
            assertThat(ann.path("description").asText()).startsWith("5 or more ERROR/FATAL");
            assertThat(ann.path("runbook_url").asText()).isEqualTo("https://runbooks.example/error-burst");
            assertThat(ann.path("event_count").asText()).isEqualTo("5");
            assertThat(ann.path("first_event_id").asText()).isEqualTo("checkout-ev-0");
            assertThat(ann.path("last_event_id").asText()).isEqualTo("checkout-ev-4");
            assertThat(ann.path("window").asText()).contains(now.minusSeconds(4).toString());
            assertThat(ann.path("evidence").asText()).contains("5 event(s)").contains("checkout-ev-0");
            // Alertmanager keeps milliseconds.
            assertThat(Instant.parse(a.path("startsAt").asText()))
                    .isEqualTo(now.minusSeconds(4).truncatedTo(java.time.temporal.ChronoUnit.MILLIS));
            assertThat(a.path("generatorURL").asText()).startsWith("http://127.0.0.1:5601/app/discover#/")
                    .contains("checkout-ev-0").contains("checkout-ev-4");
            assertThat(a.path("status").path("state").asText()).isEqualTo("active");
        }
        System.out.printf("error-burst in both Alertmanagers %d ms after it was produced%n",
                (System.nanoTime() - sent) / 1_000_000);

        // alert.resolve_after_ms = 3 s: resolved then, not before.
        await("error-burst resolved").atMost(Duration.ofSeconds(8)).pollInterval(Duration.ofMillis(100))
                .until(() -> am1.find(Map.of("alertname", "error-burst")).isEmpty()
                        && am2.find(Map.of("alertname", "error-burst")).isEmpty());
        assertThat(Instant.now()).isAfterOrEqualTo(now.plusMillis(2900));

        // Without alert.resolve_after_ms the notifier's default applies (4 s in this test, 5 min by default).
        Instant t2 = Instant.now();
        AlertDocs.send(p, topic, "billing", AlertDocs.alert("fatal", "critical", "service.name", "billing",
                "FATAL from billing", t2, t2, t2, List.of("billing-ev-9"), Map.of()));
        await().atMost(Duration.ofSeconds(2)).until(() -> am1.find(Map.of("alertname", "fatal", "service", "billing")),
                Optional::isPresent);
        await("fatal resolved").atMost(Duration.ofSeconds(9)).pollInterval(Duration.ofMillis(100))
                .until(() -> am1.find(Map.of("alertname", "fatal")).isEmpty());
        assertThat(Instant.now()).isAfterOrEqualTo(t2.plusMillis(3900));
    }

    @Test
    void heartbeatTimeoutIsResolvedWhenTheNodeRecoveredNoticeArrives() throws Exception {
        AlertmanagerProcess am = alertmanager(null);
        String topic = TestKafka.newTopic("alerts", 1);
        // Resend every 30 s: Alertmanager holds the alert for 2 minutes, so only the notice can end it here.
        notifier(config(topic, Duration.ofSeconds(30), Duration.ofMinutes(5), am));
        KafkaProducer<String, String> p = producer();

        AlertDocs.send(p, topic, "node-7", AlertDocs.heartbeatTimeout("node-7", Instant.now(),
                Map.of("labels", Map.of("silence_inhibitable", "true"))));
        AlertDocs.send(p, topic, "node-8", AlertDocs.heartbeatTimeout("node-8", Instant.now(), Map.of()));
        JsonNode a = await().atMost(Duration.ofSeconds(2)).pollInterval(Duration.ofMillis(50))
                .until(() -> am.find(Map.of("alertname", "heartbeat-timeout", "host", "node-7")), Optional::isPresent)
                .orElseThrow();
        assertThat(a.path("labels").path("silence_inhibitable").asText()).isEqualTo("true");
        assertThat(Instant.parse(a.path("endsAt").asText())).isAfter(Instant.now().plusSeconds(60));

        long sent = System.nanoTime();
        AlertDocs.send(p, topic, "node-7", AlertDocs.nodeRecovered("node-7", Instant.now()));
        await("node-7 resolved").atMost(Duration.ofSeconds(2)).pollInterval(Duration.ofMillis(50))
                .until(() -> am.find(Map.of("alertname", "heartbeat-timeout", "host", "node-7")).isEmpty());
        System.out.printf("heartbeat-timeout resolved %d ms after the node-recovered notice was produced%n",
                (System.nanoTime() - sent) / 1_000_000);
        // The other node's alert stays, and the notice itself is not an alert for people.
        assertThat(am.find(Map.of("alertname", "heartbeat-timeout", "host", "node-8"))).isPresent();
        assertThat(am.find(Map.of("alertname", "node-recovered"))).isEmpty();
    }

    @Test
    void alertsProducedWhileAlertmanagerIsDownArriveWhenItIsBackAndOffsetsWaitForIt() throws Exception {
        AlertmanagerProcess am = alertmanager(null);
        String topic = TestKafka.newTopic("alerts", 1);
        NotifierConfig cfg = config(topic, Duration.ofMinutes(1), Duration.ofMinutes(5), am);
        Notifier n = notifier(cfg);
        KafkaProducer<String, String> p = producer();

        AlertDocs.send(p, topic, "before", AlertDocs.errorBurst("before", Instant.now(), Map.of()));
        await().atMost(Duration.ofSeconds(2)).until(() -> am.find(Map.of("service", "before")), Optional::isPresent);
        await().atMost(Duration.ofSeconds(2)).until(() -> committed(cfg.groupId(), topic) == 1);

        am.stop();
        int outage = 10;
        for (int i = 0; i < outage; i++) {
            AlertDocs.send(p, topic, "svc-" + i, AlertDocs.errorBurst("svc-" + i, Instant.now(), Map.of()));
        }
        // ~20 s down (60 s in the issue, shortened to keep the build short): nothing is committed meanwhile.
        await("offsets held while Alertmanager is down").during(Duration.ofSeconds(20))
                .atMost(Duration.ofSeconds(25)).pollInterval(Duration.ofMillis(500))
                .until(() -> committed(cfg.groupId(), topic) == 1);
        assertThat(n.stats().postFailures()).isGreaterThan(0);

        am.restart();
        long back = System.nanoTime();
        await("every alert of the outage in Alertmanager").atMost(Duration.ofSeconds(10))
                .pollInterval(Duration.ofMillis(100))
                .until(() -> am.alerts().stream().filter(a -> a.path("labels").path("service").asText().startsWith("svc-"))
                        .count() == outage);
        System.out.printf("all %d alerts in Alertmanager %d ms after it was back%n", outage,
                (System.nanoTime() - back) / 1_000_000);
        await("offsets committed after delivery").atMost(Duration.ofSeconds(5))
                .until(() -> committed(cfg.groupId(), topic) == 1 + outage);
    }

    @Test
    void pipelineSilentInhibitsThePerNodeAlertsWithTheShippedConfiguration() throws Exception {
        AlertmanagerProcess am = alertmanager(SHIPPED_CONFIG);
        String topic = TestKafka.newTopic("alerts", 1);
        notifier(config(topic, Duration.ofMinutes(1), Duration.ofMinutes(5), am));
        KafkaProducer<String, String> p = producer();

        Instant now = Instant.now();
        List<String> silent = new ArrayList<>();
        for (int i = 1; i <= 20; i++) {
            silent.add("node-" + i);
        }
        AlertDocs.send(p, topic, "fleet", AlertDocs.alert("pipeline-silent", "critical", "", "",
                "20 of 20 nodes went silent within 15s: " + String.join(", ", silent), now, now, now, List.of(),
                Map.of()));
        for (String host : silent) {
            AlertDocs.send(p, topic, host, AlertDocs.heartbeatTimeout(host, now,
                    Map.of("labels", Map.of("silence_inhibitable", "true"))));
        }
        // An alert without the label is not held back.
        AlertDocs.send(p, topic, "checkout", AlertDocs.errorBurst("checkout", now, Map.of()));

        await("21 + 1 alerts, per-node ones inhibited").atMost(Duration.ofSeconds(10))
                .pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
                    List<JsonNode> all = am.alerts();
                    List<JsonNode> nodes = all.stream()
                            .filter(a -> a.path("labels").path("alertname").asText().equals("heartbeat-timeout")).toList();
                    assertThat(nodes).hasSize(20);
                    assertThat(nodes).allSatisfy(a -> {
                        assertThat(a.path("status").path("inhibitedBy").size()).isGreaterThan(0);
                        assertThat(a.path("status").path("state").asText()).isEqualTo("suppressed");
                    });
                    JsonNode fleet = all.stream()
                            .filter(a -> a.path("labels").path("alertname").asText().equals("pipeline-silent"))
                            .findFirst().orElseThrow();
                    assertThat(fleet.path("status").path("state").asText()).isEqualTo("active");
                    JsonNode burst = all.stream()
                            .filter(a -> a.path("labels").path("alertname").asText().equals("error-burst"))
                            .findFirst().orElseThrow();
                    assertThat(burst.path("status").path("inhibitedBy").size()).isZero();
                });
    }

    @Test
    void activeAlertsAreResentSoAlertmanagerKeepsThem() throws Exception {
        AlertmanagerProcess am = alertmanager(null);
        String topic = TestKafka.newTopic("alerts", 1);
        Notifier n = notifier(config(topic, Duration.ofSeconds(1), Duration.ofMinutes(5), am));
        KafkaProducer<String, String> p = producer();

        AlertDocs.send(p, topic, "node-3", AlertDocs.heartbeatTimeout("node-3", Instant.now(), Map.of()));
        JsonNode first = await().atMost(Duration.ofSeconds(2))
                .until(() -> am.find(Map.of("host", "node-3")), Optional::isPresent).orElseThrow();
        Instant ends1 = Instant.parse(first.path("endsAt").asText());
        Instant updated1 = Instant.parse(first.path("updatedAt").asText());
        long posted = n.stats().alertsPosted();
        // endsAt is a few resend intervals ahead of each post: it moves while the notifier re-sends.
        JsonNode later = await("endsAt moved by a re-send").atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(100))
                .until(() -> am.find(Map.of("host", "node-3")).orElseThrow(),
                        a -> Instant.parse(a.path("endsAt").asText()).isAfter(ends1.plusMillis(1500)));
        assertThat(Instant.parse(later.path("updatedAt").asText())).isAfter(updated1);
        assertThat(Instant.parse(later.path("startsAt").asText())).isEqualTo(Instant.parse(first.path("startsAt").asText()));
        assertThat(n.stats().alertsPosted()).isGreaterThanOrEqualTo(posted + 2);
    }

    @Test
    void aRestartedNotifierRebuildsTheActiveAlertsFromTheTopic() throws Exception {
        AlertmanagerProcess am1 = alertmanager(null);
        String topic = TestKafka.newTopic("alerts", 1);
        NotifierConfig cfg = config(topic, Duration.ofMinutes(1), Duration.ofMinutes(5), am1);
        Notifier first = notifier(cfg);
        KafkaProducer<String, String> p = producer();
        Instant now = Instant.now();
        AlertDocs.send(p, topic, "node-1", AlertDocs.heartbeatTimeout("node-1", now, Map.of()));
        AlertDocs.send(p, topic, "node-2", AlertDocs.heartbeatTimeout("node-2", now, Map.of()));
        AlertDocs.send(p, topic, "checkout", AlertDocs.errorBurst("checkout", now, Map.of()));
        AlertDocs.send(p, topic, "old", AlertDocs.errorBurst("old", now.minusSeconds(600), Map.of()));
        AlertDocs.send(p, topic, "node-2", AlertDocs.nodeRecovered("node-2", now.plusMillis(1)));
        await().atMost(Duration.ofSeconds(3)).until(() -> committed(cfg.groupId(), topic) == 5);
        first.close();

        // A fresh Alertmanager knows nothing; the restarted notifier reads no new record, only its look-back.
        AlertmanagerProcess am2 = alertmanager(null);
        notifier(new NotifierConfig(cfg.bootstrapServers(), cfg.kafkaProperties(), topic, cfg.groupId(),
                List.of(am2.url()), cfg.kibanaUrl(), cfg.kibanaIndexPattern(), cfg.resendInterval(),
                cfg.defaultResolveAfter(), cfg.recoveryRule(), cfg.resolvedByRecovery(), cfg.recoveryMaxAge(),
                cfg.lookBack(), cfg.retryInitial(), cfg.retryMax(), cfg.requestTimeout()));
        await("active alerts re-posted after the restart").atMost(Duration.ofSeconds(3)).untilAsserted(() -> {
            assertThat(am2.find(Map.of("alertname", "heartbeat-timeout", "host", "node-1"))).isPresent();
            assertThat(am2.find(Map.of("alertname", "error-burst", "service", "checkout"))).isPresent();
        });
        assertThat(am2.find(Map.of("host", "node-2"))).as("recovered before the restart").isEmpty();
        assertThat(am2.find(Map.of("service", "old"))).as("its window passed before the restart").isEmpty();
        assertThat(am2.alerts()).hasSize(2);
    }

    @Test
    void anAlertAlertmanagerRefusesIsSkippedAndTheRestOfTheBatchDelivered() throws Exception {
        AlertmanagerProcess am = alertmanager(null);
        Stats stats = new Stats();
        Delivery d = new Delivery(List.of(new AlertmanagerClient(am.url(), Duration.ofSeconds(5))),
                Duration.ofMillis(100), Duration.ofSeconds(1), stats, Instant::now);
        Instant now = Instant.now();
        AlertmanagerAlert good1 = new AlertmanagerAlert(new java.util.TreeMap<>(Map.of("alertname", "good-1")),
                Map.of("summary", "ok"), now, now.plusSeconds(60), null);
        // A label name Alertmanager refuses (the mapper never makes one; built by hand to get a real 400).
        AlertmanagerAlert bad = new AlertmanagerAlert(new java.util.TreeMap<>(Map.of("alertname", "bad", "bad-name", "x")),
                Map.of(), now, now.plusSeconds(60), null);
        AlertmanagerAlert good2 = new AlertmanagerAlert(new java.util.TreeMap<>(Map.of("alertname", "good-2")),
                Map.of(), now, now.plusSeconds(60), null);
        Delivery.Attempt attempt = d.start(List.of(good1, bad, good2));
        assertThat(attempt.tryOnce()).isTrue();
        assertThat(attempt.refused()).containsExactly(bad.labels());
        assertThat(stats.alertsRefused()).isEqualTo(1);
        assertThat(am.find(Map.of("alertname", "good-1"))).isPresent();
        assertThat(am.find(Map.of("alertname", "good-2"))).isPresent();

        // A wrong path is Alertmanager's 404, not a verdict on the alert: retried, never dropped.
        Delivery wrongUrl = new Delivery(List.of(new AlertmanagerClient(am.url() + "/wrong", Duration.ofSeconds(5))),
                Duration.ofMillis(100), Duration.ofSeconds(1), stats, Instant::now);
        Delivery.Attempt held = wrongUrl.start(List.of(good1));
        assertThat(held.tryOnce()).isFalse();
        assertThat(held.refused()).isEmpty();
        assertThat(held.nextDelay()).isEqualTo(Duration.ofMillis(100));
        assertThat(held.tryOnce()).isFalse();
        assertThat(held.nextDelay()).isEqualTo(Duration.ofMillis(200));
    }
}
