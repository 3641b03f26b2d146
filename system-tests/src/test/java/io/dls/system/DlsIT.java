package io.dls.system;

import com.fasterxml.jackson.databind.JsonNode;
import io.dls.contracts.JobNames;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;
import org.komamitsu.fluency.Fluency;
import org.komamitsu.fluency.fluentd.FluencyBuilderForFluentd;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The system as a user runs it: {@code ./dls up} in a fresh directory starts a real Kafka broker, a real
 * Elasticsearch node, a real Flink session cluster (JobManager and TaskManager processes) and the receiver,
 * and submits the shaded job jar through Flink's REST API. A real forward client (Fluency, with acks) sends
 * the original system's records; the test finds them on all three topics and in Elasticsearch, applies a
 * changed pattern set through a savepoint. It runs first on the stack the system ITs share ({@link SharedDlsStack}),
 * while the system is as {@code ./dls up} left it; {@link DlsDownIT} checks {@code ./dls down} last.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@ExtendWith(SharedDlsStack.class)
@Order(1)
class DlsIT {
    private static final String RUN = UUID.randomUUID().toString().substring(0, 8);

    static DlsStack stack;
    static Map<String, Long> pids;

    @BeforeAll
    static void up() throws Exception {
        stack = SharedDlsStack.get();
        pids = stack.pids();
    }

    @Test
    @Order(1)
    void upIsIdempotentAndStatusShowsEveryComponent() throws Exception {
        DlsStack.Run again = stack.dls(Duration.ofMinutes(3), "up");
        assertThat(again.code()).as(again.output()).isZero();
        assertThat(again.output()).contains("kafka already running", "receiver already running",
                "pipeline job already running", "index job already running");

        DlsStack.Run status = stack.dls(Duration.ofMinutes(1), "status");
        assertThat(status.code()).as(status.output()).isZero();
        for (String s : pids.keySet()) {
            assertThat(status.output()).containsPattern(s + "\\s+running\\s+pid " + pids.get(s));
        }
        assertThat(status.output()).containsPattern("pipeline job\\s+RUNNING, job [0-9a-f]{32}, up \\d+ s, restarts 0");
        assertThat(status.output()).containsPattern("index job\\s+RUNNING, job [0-9a-f]{32}, up \\d+ s, restarts 0");
        assertThat(status.output()).containsPattern("index lag\\s+\\d+ records");

        // A second pipeline in another directory asking for this one's Kafka port is told which port and flag.
        Path other = Files.createTempDirectory("dls-other-");
        int kafkaPort = stack.ports.get("kafka-port");
        DlsStack.Run clash = stack.dls(other, Duration.ofMinutes(2), "up", "--kafka-port", String.valueOf(kafkaPort));
        assertThat(clash.code()).isNotZero();
        assertThat(clash.output()).contains("port " + kafkaPort + " (Kafka) is taken", "--kafka-port");
        assertThat(other.resolve("run/kafka.pid")).doesNotExist();
    }

    @Test
    @Order(2)
    void theOriginalSystemsRecordsReachEveryTopicAndElasticsearch() throws Exception {
        String svc = "orders-" + RUN;
        String node = svc + "-1";
        String downNode = svc + "-9";
        List<Map<String, Object>> records = new ArrayList<>();
        records.add(Map.of("message_type", "REGISTRATION", "service_name", svc, "node_id", node, "status", "UP"));
        records.add(Map.of("message_type", "HEARTBEAT", "service_name", svc, "node_id", node, "status", "UP"));
        for (int i = 0; i < 20; i++) {
            records.add(Map.of("message_type", "LOG", "log_level", "INFO", "service_name", svc, "node_id", node,
                    "message", "order " + i + " placed"));
        }
        // Five errors within the error-burst window: each is critical, together they are one alert.
        for (int i = 0; i < 5; i++) {
            records.add(Map.of("message_type", "LOG", "log_level", "ERROR", "service_name", svc, "node_id", node,
                    "message", "payment declined " + i, "error_details", "card expired"));
        }
        records.add(Map.of("message_type", "HEARTBEAT", "service_name", svc, "node_id", downNode, "status", "DOWN"));

        FluencyBuilderForFluentd b = new FluencyBuilderForFluentd();
        b.setAckResponseMode(true);
        b.setFlushAttemptIntervalMillis(100);
        try (Fluency f = b.build("127.0.0.1", stack.forwardPort())) {
            for (Map<String, Object> r : records) {
                f.emit("e2e." + svc, r);
            }
            f.flush();
            f.waitUntilAllBufferFlushed(30);
        }

        await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofSeconds(1)).untilAsserted(() -> {
            List<JsonNode> all = stack.readJson("all_logs", svc);
            assertThat(all).hasSize(records.size());
            assertThat(all).extracting(j -> j.path("event").path("kind").asText()).contains("event", "state");
            assertThat(all.stream().map(j -> j.path("event").path("id").asText()).distinct()).hasSize(records.size());
        });
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofSeconds(1)).untilAsserted(() -> {
            List<JsonNode> critical = stack.readJson("critical_logs", svc);
            assertThat(critical.stream().filter(j -> "ERROR".equals(j.path("log").path("level").asText())
                    && "event".equals(j.path("event").path("kind").asText()))).hasSize(5);
            assertThat(critical.stream().filter(j -> "alert".equals(j.path("event").path("kind").asText()))
                    .map(j -> j.path("rule").path("name").asText())).containsExactly("error-burst");
        });
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofSeconds(1)).untilAsserted(() -> {
            List<JsonNode> failures = stack.readJson("node_failure", downNode);
            assertThat(failures).isNotEmpty();
            assertThat(failures).allSatisfy(j -> assertThat(j.path("host").path("name").asText()).isEqualTo(downNode));
            assertThat(failures.stream().map(j -> j.path("rule").path("name").asText(""))).contains("node-down");
        });

        // The alerts topic carries both alerts, whatever their pattern's topic, and no event.
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofSeconds(1)).untilAsserted(() -> {
            List<JsonNode> alerts = stack.readJson("alerts", svc);
            assertThat(alerts).allSatisfy(j -> assertThat(j.path("event").path("kind").asText()).isEqualTo("alert"));
            assertThat(alerts.stream().map(j -> j.path("rule").path("name").asText())).contains("error-burst", "node-down");
        });

        String es = stack.es();
        await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofSeconds(2)).untilAsserted(() -> {
            DlsStack.post(es + "/logs-*,alerts-*/_refresh", "");
            // Heartbeats (the UP and the DOWN one) stay out of logs-*: the registration and the logs are there.
            long logs = stack.esCount("logs-*", "service.name", svc);
            assertThat(logs).isEqualTo(records.size() - 2);
            long alerts = stack.esCount("alerts-*", "service.name", svc);
            assertThat(alerts).isGreaterThanOrEqualTo(2); // the burst and the node-down alert
        });
        JsonNode templates = DlsStack.JSON.readTree(DlsStack.get(es + "/_index_template"));
        assertThat(templates.path("index_templates").findValuesAsText("name")).contains("dls-logs", "dls-alerts");
        // Alerts to people: the notifier posted the burst to the Alertmanager ./dls up started, with the
        // labels and annotations of the pattern, and ./dls alerts prints it.
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500)).untilAsserted(() ->
                assertThat(stack.alertmanagerAlerts()).anySatisfy(a -> {
                    assertThat(a.at("/labels/alertname").asText()).isEqualTo("error-burst");
                    assertThat(a.at("/labels/service").asText()).isEqualTo(svc);
                    assertThat(a.at("/labels/severity").asText()).isEqualTo("critical");
                    assertThat(a.at("/annotations/summary").asText()).contains("errors from " + svc);
                    assertThat(a.at("/annotations/description").asText()).isNotEmpty();
                    assertThat(a.at("/annotations/event_count").asText()).isEqualTo("5");
                    assertThat(a.at("/status/state").asText()).isEqualTo("active");
                }));
        DlsStack.Run alerts = stack.dls(Duration.ofMinutes(1), "alerts");
        assertThat(alerts.code()).as(alerts.output()).isZero();
        assertThat(alerts.output()).containsPattern("CRITICAL +error-burst +service=" + svc + " +since ")
                .contains("from Alertmanager " + stack.alertmanager());
    }

    @Test
    @Order(3)
    void theDemoShowsTheOriginalConsolesWithItsBurstAndDeadNodeAlerts() throws Exception {
        // Short stages: the burst at 5 s, shipping-2 silent from 8 s, so its 15 s heartbeat timeout is due at 23 s.
        DlsStack.Run demo = stack.dls(Duration.ofMinutes(2), "demo", "--burst-after", "5s", "--node-dies-after", "8s",
                "--duration", "40s");
        assertThat(demo.code()).as(demo.output()).isZero();
        assertThat(demo.output()).containsPattern("\\[all +\\] .*INFO +\\w+/\\w+-\\d");
        assertThat(demo.output()).containsPattern("\\[critical\\] .*ERROR +payment/payment-\\d");
        assertThat(demo.output()).containsPattern("\\[ALERT +\\] .*error-burst.*payment");
        assertThat(demo.output()).containsPattern("\\[ALERT +\\] .*heartbeat-timeout.*shipping-2");
        assertThat(demo.output()).doesNotContainPattern("\\[ALERT +\\] .*heartbeat-timeout.*(inventory|order|payment)-\\d");
        assertThat(demo.output()).contains("11 nodes deregister");

        // The demo ended on purpose: its 11 surviving nodes deregistered, so none of them times out, not even
        // a heartbeat-timeout window after the end; shipping-2 died and is alerted in Alertmanager.
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofSeconds(1)).untilAsserted(() ->
                assertThat(stack.alertmanagerAlerts()).anySatisfy(a -> {
                    assertThat(a.at("/labels/alertname").asText()).isEqualTo("heartbeat-timeout");
                    assertThat(a.at("/labels/host").asText()).isEqualTo("shipping-2");
                    assertThat(a.at("/labels/silence_inhibitable").asText()).isEqualTo("true");
                }));
        await().during(Duration.ofSeconds(18)).atMost(Duration.ofSeconds(25)).pollInterval(Duration.ofSeconds(2))
                .untilAsserted(() -> assertThat(stack.readJson("alerts", "heartbeat-timeout"))
                        .extracting(j -> j.at("/alert/key/value").asText())
                        .noneMatch(h -> h.matches("(inventory|order|payment|shipping)-\\d") && !h.equals("shipping-2")));
        assertThat(stack.alertmanagerAlerts()).noneSatisfy(a -> {
            assertThat(a.at("/labels/alertname").asText()).isEqualTo("heartbeat-timeout");
            assertThat(a.at("/labels/host").asText()).matches("(inventory|order|payment|shipping)-\\d").isNotEqualTo("shipping-2");
        });

        DlsStack.Run tail = stack.dls(Duration.ofMinutes(1), "tail", "logs.raw", "--from-beginning", "--max", "3");
        assertThat(tail.code()).as(tail.output()).isZero();
        assertThat(tail.output()).contains("fluent.chunk").containsPattern("\"message_type\":\"(REGISTRATION|HEARTBEAT|LOG)\"");
    }

    @Test
    @Order(4)
    void patternsApplyRefusesABadSetAndUpgradesThroughASavepoint() throws Exception {
        String before = jobId();
        String index = indexJobId();
        Path bad = copyPatterns("bad");
        Files.writeString(bad.resolve("error-burst.yaml"),
                Files.readString(bad.resolve("error-burst.yaml")).replace("within: 30s", "within: soon"));
        DlsStack.Run refused = stack.dls(Duration.ofMinutes(2), "patterns", "apply", bad.toString());
        assertThat(refused.code()).isNotZero();
        assertThat(refused.output()).contains("error-burst.yaml:", "within", "the running job is unchanged");
        assertThat(jobId()).isEqualTo(before);

        // A dry run of the changed set on the demo sample, with Flink's jars on the class path as ./dls puts them.
        DlsStack.Run dry = stack.dls(Duration.ofMinutes(2), "patterns", "dry-run",
                DlsStack.ROOT.resolve("alert-patterns/samples/demo.jsonl").toString());
        assertThat(dry.code()).as(dry.output()).isZero();
        assertThat(dry.output()).contains("\"rule\":{\"name\":\"error-burst\"}", "\"rule\":{\"name\":\"heartbeat-timeout\"}");

        Path fewer = copyPatterns("fewer");
        Files.delete(fewer.resolve("payment-retry-then-failure.yaml"));
        DlsStack.Run applied = stack.dls(Duration.ofMinutes(4), "patterns", "apply", fewer.toString());
        assertThat(applied.code()).as(applied.output()).isZero();
        assertThat(applied.output()).contains("savepoint file:", "RUNNING (restored from file:");
        String after = jobId();
        assertThat(after).isNotEqualTo(before).matches("[0-9a-f]{32}");
        assertThat(indexJobId()).as("apply restarts the pipeline job only").isEqualTo(index);
    }

    static Path copyPatterns(String name) throws IOException {
        Path dir = Files.createDirectories(stack.home.resolve("patterns-" + name));
        try (Stream<Path> files = Files.list(DlsStack.ROOT.resolve("alert-patterns"))) {
            for (Path f : files.filter(f -> f.toString().endsWith(".yaml") || f.toString().endsWith(".json")).toList()) {
                Files.copy(f, dir.resolve(f.getFileName()));
            }
        }
        return dir;
    }

    /** The pipeline job's id. */
    static String jobId() throws Exception {
        List<String> running = stack.runningJobs(JobNames.PIPELINE.flinkName());
        assertThat(running).as("running pipeline jobs").hasSize(1);
        return running.get(0);
    }

    static String indexJobId() throws Exception {
        List<String> running = stack.runningJobs(JobNames.INDEX.flinkName());
        assertThat(running).as("running index jobs").hasSize(1);
        return running.get(0);
    }
}
