package io.dls.job.index;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dls.contracts.IndexNames;
import io.dls.job.Connectors;
import io.dls.job.JobOptions;
import io.dls.job.support.EsProxy;
import io.dls.job.support.TestElasticsearch;
import io.dls.testing.TestKafka;
import org.apache.flink.client.program.ClusterClient;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.MetricOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.InjectClusterClient;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import picocli.CommandLine;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The index job alone on a MiniCluster, between a real Kafka broker and a real Elasticsearch node (behind a
 * proxy that can answer 503 for it, as a cluster without a master does): it never restarts because of what
 * Elasticsearch says or of what the records hold, and everything ends up indexed exactly once or on the
 * dead-letter topic with a reason.
 */
class IndexJobTest {
    @RegisterExtension
    static final MiniClusterExtension FLINK = new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
            .setConfiguration(fastMetrics()).setNumberTaskManagers(1).setNumberSlotsPerTaskManager(2).build());

    private static final ObjectMapper JSON = new ObjectMapper();

    private static Configuration fastMetrics() {
        Configuration c = new Configuration();
        c.set(MetricOptions.METRIC_FETCHER_UPDATE_INTERVAL, Duration.ofMillis(500));
        return c;
    }

    /** An all_logs record as the pipeline job writes it (contract 2). */
    private static byte[] event(String dataset, String id, Instant time, String type, Map<String, Object> fields) {
        ObjectNode d = JSON.createObjectNode();
        d.put("@timestamp", time.toString());
        d.put("message", "record " + id);
        d.putObject("log").put("level", "INFO");
        ObjectNode e = d.putObject("event");
        e.put("id", id);
        e.put("kind", type == null ? "event" : "state");
        e.put("dataset", dataset);
        if (type != null) {
            e.put("type", type);
        }
        d.set("fields", JSON.valueToTree(fields));
        return d.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static long count(String query) {
        TestElasticsearch.post("/logs-*/_refresh", "");
        return TestElasticsearch.post("/logs-*/_count", "{\"query\": " + query + "}").path("count").asLong(-1);
    }

    private static String term(String field, String value) {
        return "{\"term\": {\"" + field + "\": \"" + value + "\"}}";
    }

    private static void assertRunningWithoutRestarts(String rest, JobClient job) throws Exception {
        JsonNode exceptions = get(rest + "/jobs/" + job.getJobID() + "/exceptions");
        assertThat(exceptions.at("/exceptionHistory/entries").size()).as("failures of the index job").isZero();
        JsonNode restarts = get(rest + "/jobs/" + job.getJobID() + "/metrics?get=numRestarts");
        assertThat(restarts.at("/0/value").asText()).as("numRestarts").isEqualTo("0");
        assertThat(job.getJobStatus().get().name()).isEqualTo("RUNNING");
    }

    private static JsonNode get(String url) throws Exception {
        HttpResponse<String> res = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        return JSON.readTree(res.body());
    }

    @Test
    void neitherElasticsearchNorTheRecordsMakeTheJobFail(@InjectClusterClient ClusterClient<?> flink) throws Exception {
        String p = "i" + UUID.randomUUID().toString().substring(0, 6) + ".";
        String dataset = p + "app";
        try (EsProxy es = new EsProxy();
             KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of("bootstrap.servers",
                     TestKafka.bootstrap(), "acks", "all"), new ByteArraySerializer(), new ByteArraySerializer())) {
            JobOptions o = CommandLine.populateCommand(new JobOptions(),
                    "--kafka-bootstrap", TestKafka.bootstrap(), "--es-hosts", es.url(),
                    "--topic-all", p + "all", "--topic-alerts", p + "alerts", "--topic-dead-letter", p + "dead",
                    "--topic-raw", p + "raw", "--topic-critical", p + "critical", "--topic-node-failure", p + "nf",
                    "--topic-invalid", p + "invalid", "--index-group-id", p + "index", "--starting-offsets", "earliest",
                    "--checkpoint-interval", "1000", "--es-bulk-actions", "100", "--es-bulk-interval", "200",
                    "--topic-partitions", "2");
            Connectors.createTopics(o, Set.of());
            // A late event for a day whose index an operator has closed: Elasticsearch can never take it.
            Instant closedDay = Instant.parse("2001-01-01T12:00:00Z");
            String closedIndex = IndexNames.logs(closedDay.toEpochMilli());
            TestElasticsearch.put("/" + closedIndex, "{}");
            TestElasticsearch.post("/" + closedIndex + "/_close", "");

            StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
            env.setParallelism(2);
            IndexJob.build(env, o);
            JobClient job = env.executeAsync("index job test");
            String rest = flink.getWebInterfaceURL();
            try {
                // 100 records with 20 attributes each of their own: 2,000 distinct field names in one day.
                Instant now = Instant.now();
                List<String> ids = new ArrayList<>();
                for (int n = 0; n < 100; n++) {
                    Map<String, Object> fields = new HashMap<>();
                    for (int k = 0; k < 20; k++) {
                        fields.put("attr_" + n + "_" + k, "v" + n + "_" + k);
                    }
                    String id = p + "e" + n;
                    ids.add(id);
                    producer.send(new ProducerRecord<>(p + "all", event(dataset, id, now, null, fields)));
                }
                producer.send(new ProducerRecord<>(p + "all", event(dataset, p + "hb", now, "HEARTBEAT", Map.of())));
                producer.send(new ProducerRecord<>(p + "all", "not json at all".getBytes(StandardCharsets.UTF_8)));
                producer.send(new ProducerRecord<>(p + "all", event(dataset, p + "late", closedDay, null,
                        Map.of("note", "late"))));
                producer.send(new ProducerRecord<>(p + "alerts", ("{\"@timestamp\":\"" + now + "\",\"message\":\"burst\","
                        + "\"event\":{\"id\":\"" + p + "alert\",\"kind\":\"alert\"},\"rule\":{\"name\":\"error-burst\"}}")
                        .getBytes(StandardCharsets.UTF_8)));
                producer.flush();

                await().atMost(Duration.ofSeconds(60)).untilAsserted(() ->
                        assertThat(count(term("event.dataset", dataset))).isEqualTo(100));
                await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                        assertThat(TestElasticsearch.count("alerts-*")).isGreaterThanOrEqualTo(1));
                assertThat(TestElasticsearch.get("/" + IndexNames.alerts(now.toEpochMilli()) + "/_doc/" + p + "alert")
                        .at("/_source/rule/name").asText()).isEqualTo("error-burst");
                // Found by the value of one of its original fields.
                assertThat(count(term("fields_kv", "attr_37_5=v37_5"))).isEqualTo(1);
                assertThat(count(term("event.id", p + "hb"))).as("heartbeats stay out").isZero();
                // The mapping did not grow with the records: only the template's fields.
                String today = IndexNames.logs(now.toEpochMilli());
                String mapping = TestElasticsearch.get("/" + today + "/_mapping").toString();
                assertThat(mapping).doesNotContain("attr_");
                // The dead letters: the record that is no JSON, and the late event with Elasticsearch's reason.
                List<JsonNode> dead = new ArrayList<>();
                for (ConsumerRecord<byte[], byte[]> r : TestKafka.consume(p + "dead", 2, Duration.ofSeconds(60))) {
                    dead.add(JSON.readTree(r.value()));
                }
                assertThat(dead).anySatisfy(d -> {
                    assertThat(d.path("reason").asText()).isEqualTo("not_json");
                    assertThat(d.path("document").asText()).isEqualTo("not json at all");
                });
                assertThat(dead).anySatisfy(d -> {
                    assertThat(d.path("reason").asText()).isEqualTo("refused");
                    assertThat(d.path("index").asText()).isEqualTo(closedIndex);
                    assertThat(d.path("id").asText()).isEqualTo(p + "late");
                    assertThat(d.path("status").asInt()).isEqualTo(400);
                    assertThat(d.at("/error/type").asText()).isEqualTo("index_closed_exception");
                    assertThat(d.path("document").asText()).contains("\"note\":\"late\"");
                });
                await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertRunningWithoutRestarts(rest, job));

                // Elasticsearch answers 503 to everything for a while: the job waits, it does not fail.
                es.mode(EsProxy.Mode.ALL_503);
                int refusedBefore = es.refused();
                for (int n = 100; n < 150; n++) {
                    producer.send(new ProducerRecord<>(p + "all", event(dataset, p + "e" + n, Instant.now(), null,
                            Map.of("phase", "outage"))));
                }
                producer.flush();
                await().atMost(Duration.ofSeconds(30)).until(() -> es.refused() > refusedBefore + 5);
                await().during(Duration.ofSeconds(5)).atMost(Duration.ofSeconds(10))
                        .untilAsserted(() -> assertRunningWithoutRestarts(rest, job));
                assertThat(count(term("fields_kv", "phase=outage"))).as("nothing indexed while it is down").isZero();
                es.mode(EsProxy.Mode.FORWARD);
                await().atMost(Duration.ofSeconds(60)).untilAsserted(() ->
                        assertThat(count(term("event.dataset", dataset))).isEqualTo(150));
                assertThat(count(term("fields_kv", "phase=outage"))).as("each exactly once").isEqualTo(50);
                await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertRunningWithoutRestarts(rest, job));

            } finally {
                if (!job.getJobStatus().get().isTerminalState()) {
                    job.cancel().get();
                }
                TestElasticsearch.delete("/" + closedIndex);
            }
        }
    }
}
