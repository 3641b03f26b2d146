package io.dls.job;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.dls.job.index.IndexJob;
import io.dls.job.support.RawProducer;
import io.dls.job.support.ShippedPatterns;
import io.dls.job.support.TestElasticsearch;
import io.dls.testing.TestKafka;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The whole job on a Flink MiniCluster, reading a real Kafka broker and writing to it and to a real
 * Elasticsearch node, with the shipped alert patterns (the heartbeat timeout shortened to keep the test short).
 */
class LogPipelineTest {
    @RegisterExtension
    static final MiniClusterExtension FLINK = new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
            .setNumberTaskManagers(1).setNumberSlotsPerTaskManager(3).build()); // 2 for the pipeline job, 1 for the index job

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private JobOptions options(String p, Path patterns) {
        return CommandLine.populateCommand(new JobOptions(),
                "--kafka-bootstrap", TestKafka.bootstrap(), "--es-hosts", TestElasticsearch.url(),
                "--patterns", patterns.toString(), "--topic-raw", p + "raw", "--topic-all", p + "all",
                "--topic-critical", p + "critical_logs", "--topic-node-failure", p + "node_failure",
                "--topic-invalid", p + "invalid", "--topic-alerts", p + "alerts", "--topic-dead-letter", p + "dead",
                "--group-id", p + "group", "--index-group-id", p + "index", "--starting-offsets", "earliest",
                "--checkpoint-interval", "1000", "--es-bulk-actions", "50", "--es-bulk-interval", "200",
                "--topic-partitions", "2", "--fleet-silence-after", "3000");
    }

    private static List<JsonNode> read(String topic, int atLeast, Duration timeout) {
        List<JsonNode> out = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> r : TestKafka.consume(topic, atLeast, timeout)) {
            try {
                out.add(JSON.readTree(r.value()));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
        return out;
    }

    private static Map<String, Object> rec(Object... kv) {
        Map<String, Object> m = new java.util.LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put((String) kv[i], kv[i + 1]);
        }
        return m;
    }

    @Test
    void routesAlertsStoresAndSetsAsideInvalidRecords() throws Exception {
        String p = "t" + UUID.randomUUID().toString().substring(0, 6) + ".";
        JobOptions o = options(p, ShippedPatterns.copy(dir.resolve("patterns"), p, "4s"));
        var patterns = LogPipelineJob.compilePatterns(o);
        Set<String> alertTopics = new TreeSet<>();
        patterns.forEach(c -> alertTopics.add(c.spec().topic()));
        assertThat(alertTopics).containsExactlyInAnyOrder(p + "critical_logs", p + "node_failure");
        Connectors.createTopics(o, alertTopics);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(2);
        LogPipelineJob.build(env, o, patterns);
        JobClient job = env.executeAsync("log pipeline test");
        StreamExecutionEnvironment indexEnv = StreamExecutionEnvironment.getExecutionEnvironment();
        indexEnv.setParallelism(1);
        IndexJob.build(indexEnv, o);
        JobClient index = indexEnv.executeAsync("index test");
        try {
            long now = System.currentTimeMillis();
            int valid = 0;
            try (RawProducer raw = new RawProducer(p + "raw")) {
                for (int i = 0; i < 3; i++, valid++) {
                    raw.send("app.inventory", now + i, rec("log_level", "INFO", "service_name", "inventory",
                            "node_id", "inv-1", "message_type", "LOG", "message", "stock ok " + i));
                }
                // A retry warning, then ten errors: the sequence pattern fires once, and the burst pattern
                // sees two bursts of five but its suppression lets one alert through.
                raw.send("app.payment", now + 5, rec("log_level", "WARN", "service_name", "payment",
                        "node_id", "pay-1", "message_type", "LOG", "message", "retrying charge"));
                valid++;
                for (int i = 0; i < 10; i++, valid++) {
                    raw.send("app.payment", now + 10 + i, rec("log_level", "ERROR", "service_name", "payment",
                            "node_id", "pay-1", "message_type", "LOG", "message", "card declined " + i,
                            "error_details", "CardError", "card", "visa"));
                }
                raw.send("app.shipping", now + 20, rec("log_level", "FATAL", "service_name", "shipping",
                        "node_id", "ship-1", "message_type", "LOG", "message", "out of memory"));
                valid++;
                raw.send("app.order", now + 30, rec("message_type", "REGISTRATION", "service_name", "order",
                        "node_id", "ord-9"));
                raw.send("app.order", now + 31, rec("message_type", "HEARTBEAT", "service_name", "order",
                        "node_id", "ord-9", "status", "UP"));
                raw.send("app.order", now + 32, rec("message_type", "HEARTBEAT", "service_name", "order",
                        "node_id", "ord-3", "status", "DOWN"));
                valid += 3;
                // A Fluent Bit event with its metadata ([[time, {metadata}], record]: the receiver's header).
                raw.sendBytes("app.fluentbit", now + 35, RawProducer.msgpack(rec("log", "from fluent bit",
                        "service_name", "fb")), RawProducer.msgpack(rec("kubernetes_pod", "fb-7d9")));
                valid++;
                raw.sendBytes("app.bad", now + 40, "plain text, not msgpack".getBytes());
                raw.sendBytes("app.bad", now + 41, new byte[]{(byte) 0x92, 1, 2});
                raw.flush();
            }
            long lastHeartbeat = System.currentTimeMillis();
            final int validEvents = valid;

            List<JsonNode> all = read(p + "all", valid, Duration.ofSeconds(60));
            assertThat(all).hasSize(valid);
            assertThat(all).allSatisfy(d -> {
                assertThat(d.path("@timestamp").asText()).matches("\\d{4}-.*\\.\\d{9}Z");
                assertThat(d.path("event").path("id").asText()).isNotEmpty();
            });
            assertThat(all).filteredOn(d -> d.at("/log/level").asText().equals("ERROR"))
                    .hasSize(10).allSatisfy(d -> assertThat(d.at("/error/message").asText()).isEqualTo("CardError"));

            List<JsonNode> invalid = read(p + "invalid", 2, Duration.ofSeconds(30));
            assertThat(invalid).hasSize(2).allSatisfy(d -> assertThat(d.path("reason").asText()).isNotEmpty());

            // critical_logs: the 10 errors, the fatal, one burst alert (suppressed after the first), the fatal
            // alert and the retry-then-failure sequence alert; no WARN or INFO events.
            await().atMost(Duration.ofSeconds(40)).untilAsserted(() -> {
                List<JsonNode> critical = read(p + "critical_logs", 14, Duration.ofSeconds(2));
                assertThat(critical.stream().filter(d -> d.at("/event/kind").asText().equals("event")).count()).isEqualTo(11);
                assertThat(critical).filteredOn(d -> d.at("/rule/name").asText().equals("error-burst")).hasSize(1)
                        .allSatisfy(d -> assertThat(d.at("/alert/count").asInt()).isEqualTo(5));
                assertThat(critical).filteredOn(d -> d.at("/rule/name").asText().equals("fatal")).hasSize(1);
                assertThat(critical).filteredOn(d -> d.at("/rule/name").asText().equals("payment-retry-then-failure"))
                        .isNotEmpty();
            });

            // node_failure: the DOWN heartbeat, the node-down alert, and the heartbeat timeout of ord-9.
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                List<JsonNode> failures = read(p + "node_failure", 3, Duration.ofSeconds(1));
                assertThat(failures).anySatisfy(d -> assertThat(d.at("/status").asText()).isEqualTo("DOWN"));
                assertThat(failures).anySatisfy(d -> assertThat(d.at("/rule/name").asText()).isEqualTo("node-down"));
                assertThat(failures).filteredOn(d -> d.at("/rule/name").asText().equals("heartbeat-timeout"))
                        .anySatisfy(d -> assertThat(d.at("/alert/key/value").asText()).isEqualTo("ord-9"));
            });
            long timeoutSeen = System.currentTimeMillis();
            assertThat(timeoutSeen - lastHeartbeat).as("timeout alert within the window plus a few seconds")
                    .isLessThan(4000 + 6000);

            // Heartbeats resume: one recovery notice.
            try (RawProducer raw = new RawProducer(p + "raw")) {
                raw.send("app.order", System.currentTimeMillis(), rec("message_type", "HEARTBEAT",
                        "service_name", "order", "node_id", "ord-9", "status", "UP"));
            }
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                    assertThat(read(p + "node_failure", 4, Duration.ofSeconds(1)))
                            .anySatisfy(d -> assertThat(d.at("/rule/name").asText()).isEqualTo("node-recovered")));

            // Elasticsearch: everything but heartbeats in logs-*, the alerts in alerts-*, templates installed.
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                JsonNode hits = TestElasticsearch.post("/logs-*/_search?size=100",
                        "{\"query\": {\"prefix\": {\"event.dataset\": \"app.\"}}}");
                // Heartbeats stay out of Elasticsearch: the registration is the only state event stored.
                assertThat(hits.at("/hits/total/value").asInt()).isEqualTo(validEvents - 2);
            });
            assertThat(TestElasticsearch.get("/_index_template/dls-logs").at("/index_templates/0/name").asText())
                    .isEqualTo("dls-logs");
            JsonNode mapping = TestElasticsearch.get("/logs-*/_mapping");
            assertThat(mapping.toString()).contains("\"date_nanos\"");
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                    assertThat(TestElasticsearch.count("alerts-*")).isGreaterThanOrEqualTo(4));
            // The alerts topic has every alert, from both pattern topics, and nothing else.
            List<JsonNode> alerts = read(p + "alerts", 5, Duration.ofSeconds(10));
            assertThat(alerts).allSatisfy(d -> assertThat(d.at("/event/kind").asText()).isEqualTo("alert"));
            assertThat(alerts).extracting(d -> d.at("/rule/name").asText())
                    .contains("error-burst", "fatal", "node-down", "heartbeat-timeout", "node-recovered");
            // Fluent Bit's metadata: on all_logs under metadata, and in Elasticsearch found by value.
            assertThat(all).filteredOn(d -> d.at("/event/dataset").asText().equals("app.fluentbit"))
                    .singleElement().satisfies(d ->
                            assertThat(d.at("/metadata/kubernetes_pod").asText()).isEqualTo("fb-7d9"));
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(TestElasticsearch.post("/logs-*/_count",
                    "{\"query\": {\"term\": {\"fields_kv\": \"metadata.kubernetes_pod=fb-7d9\"}}}").path("count").asInt())
                    .isEqualTo(1));
            // Original fields: unindexed under fields, found by value through fields_kv.
            assertThat(TestElasticsearch.post("/logs-*/_count",
                    "{\"query\": {\"term\": {\"fields_kv\": \"card=visa\"}}}").path("count").asInt())
                    .isEqualTo(10);

            // Fleet-wide silence: 20 nodes beat, then all stop at once (as when the receiver goes away): one
            // pipeline-silent alert on the alerts topic (repeated only every 30 s), naming them.
            try (RawProducer raw = new RawProducer(p + "raw")) {
                for (int i = 1; i <= 20; i++) {
                    raw.send("app.fleet", System.currentTimeMillis(), rec("message_type", "HEARTBEAT",
                            "service_name", "fleet", "node_id", "fl-" + i, "status", "UP"));
                }
            }
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                    assertThat(read(p + "alerts", 6, Duration.ofSeconds(1)))
                            .filteredOn(d -> d.at("/rule/name").asText().equals("pipeline-silent")).singleElement()
                            .satisfies(d -> {
                                assertThat(d.at("/alert/count").asInt()).isGreaterThanOrEqualTo(20);
                                assertThat(d.at("/alert/key/field").asText()).isEqualTo("pipeline");
                                assertThat(d.at("/message").asText()).contains("fl-1, fl-10").contains("fl-9");
                                assertThat(d.at("/alert/resolve_after_ms").asLong()).isEqualTo(90_000L);
                            }));
        } finally {
            job.cancel().get();
            index.cancel().get();
        }
    }
}
