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
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.client.program.ClusterClient;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.MetricOptions;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.InjectClusterClient;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.Property;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

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
    /** Cancelling must end the index job's tasks well within Flink's task.cancellation.timeout (180 s). */
    private static final Duration CANCEL_BOUND = Duration.ofSeconds(30);

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

    private static Set<String> taskManagerIds(String rest) throws Exception {
        Set<String> ids = new TreeSet<>();
        get(rest + "/taskmanagers").path("taskmanagers").forEach(tm -> ids.add(tm.path("id").asText()));
        return ids;
    }

    /**
     * The Elasticsearch writer's task threads that are parked inside the bulk processor (waiting for its lock or
     * for the answer to a bulk): what a writer does while Elasticsearch cannot take its bulk.
     */
    private static List<String> writerThreadsWaitingInTheBulkProcessor() {
        List<String> names = new ArrayList<>();
        Thread.getAllStackTraces().forEach((t, stack) -> {
            boolean inProcessor = Arrays.stream(stack)
                    .anyMatch(f -> f.getClassName().startsWith("org.elasticsearch.action.bulk.BulkProcessor"));
            if (t.getName().contains("elasticsearch: logs-*") && inProcessor
                    && (t.getState() == Thread.State.WAITING || t.getState() == Thread.State.TIMED_WAITING)) {
                names.add(t.getName());
            }
        });
        return names;
    }

    /** WARN and worse from every logger while open. */
    private static final class CapturedLog extends AbstractAppender implements AutoCloseable {
        private final List<String> lines = new CopyOnWriteArrayList<>();
        private final LoggerContext context = (LoggerContext) LogManager.getContext(false);

        CapturedLog() {
            super("index-job-test-captured", null, null, true, Property.EMPTY_ARRAY);
            start();
            context.getConfiguration().getRootLogger().addAppender(this, Level.WARN, null);
            context.updateLoggers();
        }

        @Override
        public void append(LogEvent event) {
            lines.add(event.getLoggerName() + ": " + event.getMessage().getFormattedMessage());
        }

        List<String> lines() {
            return lines;
        }

        @Override
        public void close() {
            context.getConfiguration().getRootLogger().removeAppender(getName());
            context.updateLoggers();
            stop();
        }
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

                // Cancelled while Elasticsearch is down again, with the writer's task thread waiting in the bulk
                // processor for a bulk that Elasticsearch keeps refusing: the task ends at once, and Flink does
                // not have to kill the TaskManager (its task.cancellation.timeout, 180 s, would run out).
                Set<String> taskManagers = taskManagerIds(rest);
                es.mode(EsProxy.Mode.ALL_503);
                int refusedNow = es.refused();
                for (int n = 150; n < 160; n++) {
                    producer.send(new ProducerRecord<>(p + "all", event(dataset, p + "e" + n, Instant.now(), null,
                            Map.of("phase", "cancel"))));
                }
                producer.flush();
                await().atMost(Duration.ofSeconds(30)).until(() -> es.refused() > refusedNow + 3);
                await().atMost(Duration.ofSeconds(30)).until(() -> !writerThreadsWaitingInTheBulkProcessor().isEmpty());
                try (CapturedLog log = new CapturedLog()) {
                    long cancelStart = System.nanoTime();
                    job.cancel().get(60, TimeUnit.SECONDS);
                    await().atMost(Duration.ofSeconds(150)).pollInterval(Duration.ofMillis(100))
                            .until(() -> job.getJobStatus().get().isTerminalState());
                    Duration took = Duration.ofNanos(System.nanoTime() - cancelStart);
                    System.out.println("cancelled during the outage in " + took.toMillis() + " ms");
                    assertThat(job.getJobStatus().get()).isEqualTo(JobStatus.CANCELED);
                    assertThat(took).as("cancelling during an outage").isLessThan(CANCEL_BOUND);
                    await().atMost(Duration.ofSeconds(10))
                            .untilAsserted(() -> assertThat(writerThreadsWaitingInTheBulkProcessor()).isEmpty());
                    assertThat(taskManagerIds(rest)).as("the same TaskManager, never restarted").isEqualTo(taskManagers);
                    assertThat(log.lines()).as("Flink's complaints about a task stuck in cancelling")
                            .noneMatch(l -> l.contains("did not react to cancelling signal")
                                    || l.contains("did not exit gracefully") || l.contains("Fatal error")
                                    || l.contains("TaskManager #"));
                }
                es.mode(EsProxy.Mode.FORWARD);
            } finally {
                if (!job.getJobStatus().get().isTerminalState()) {
                    job.cancel().get();
                }
                TestElasticsearch.delete("/" + closedIndex);
            }
        }
    }

    /**
     * Elasticsearch up: the writer sends what it holds on its flush interval alone (no checkpoint comes), and
     * stopping the job with a savepoint flushes the rest; the job resumed from that savepoint indexes every
     * record exactly once.
     */
    @Test
    void stopsWithASavepointAndResumesFromIt(@TempDir Path savepoints) throws Exception {
        String p = "s" + UUID.randomUUID().toString().substring(0, 6) + ".";
        String dataset = p + "app";
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of("bootstrap.servers",
                TestKafka.bootstrap(), "acks", "all"), new ByteArraySerializer(), new ByteArraySerializer())) {
            JobOptions o = CommandLine.populateCommand(new JobOptions(),
                    "--kafka-bootstrap", TestKafka.bootstrap(), "--es-hosts", TestElasticsearch.url(),
                    "--topic-all", p + "all", "--topic-alerts", p + "alerts", "--topic-dead-letter", p + "dead",
                    "--topic-raw", p + "raw", "--topic-critical", p + "critical", "--topic-node-failure", p + "nf",
                    "--topic-invalid", p + "invalid", "--index-group-id", p + "index", "--starting-offsets", "earliest",
                    // No checkpoint before the savepoint, and bulks that never fill: only the flush interval
                    // sends the first records.
                    "--checkpoint-interval", "3600000", "--es-bulk-actions", "1000", "--es-bulk-interval", "200",
                    "--topic-partitions", "2");
            Connectors.createTopics(o, Set.of());

            StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
            env.setParallelism(2);
            IndexJob.build(env, o);
            JobClient job = env.executeAsync("index job test: stop with a savepoint");
            String savepoint;
            try {
                for (int n = 0; n < 30; n++) {
                    producer.send(new ProducerRecord<>(p + "all", event(dataset, p + "e" + n, Instant.now(), null,
                            Map.of("phase", "before"))));
                }
                producer.flush();
                await().atMost(Duration.ofSeconds(60)).untilAsserted(() ->
                        assertThat(count(term("event.dataset", dataset))).isEqualTo(30));

                for (int n = 30; n < 60; n++) {
                    producer.send(new ProducerRecord<>(p + "all", event(dataset, p + "e" + n, Instant.now(), null,
                            Map.of("phase", "stop"))));
                }
                producer.flush();
                long stopStart = System.nanoTime();
                savepoint = job.stopWithSavepoint(false, savepoints.toUri().toString(), SavepointFormatType.CANONICAL)
                        .get(120, TimeUnit.SECONDS);
                System.out.println("stopped with a savepoint in " + Duration.ofNanos(System.nanoTime() - stopStart)
                        .toMillis() + " ms: " + savepoint);
                await().atMost(Duration.ofSeconds(30)).until(() -> job.getJobStatus().get().isTerminalState());
                assertThat(job.getJobStatus().get()).isEqualTo(JobStatus.FINISHED);
            } finally {
                if (!job.getJobStatus().get().isTerminalState()) {
                    job.cancel().get();
                }
            }

            Configuration resume = new Configuration();
            resume.set(StateRecoveryOptions.SAVEPOINT_PATH, savepoint);
            StreamExecutionEnvironment again = StreamExecutionEnvironment.getExecutionEnvironment(resume);
            again.setParallelism(2);
            IndexJob.build(again, o);
            JobClient resumed = again.executeAsync("index job test: resumed from the savepoint");
            try {
                await().atMost(Duration.ofSeconds(60)).untilAsserted(() ->
                        assertThat(count(term("event.dataset", dataset))).isEqualTo(60));
                assertThat(count(term("fields_kv", "phase=stop"))).as("each exactly once").isEqualTo(30);
            } finally {
                resumed.cancel().get(60, TimeUnit.SECONDS);
            }
        }
    }
}
