package io.dls.system;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
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
import java.util.HashMap;
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
 * changed pattern set through a savepoint, and checks that {@code ./dls down} leaves no process behind.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DlsIT {
    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final String RUN = UUID.randomUUID().toString().substring(0, 8);

    static Path home;
    static Map<String, Integer> ports = new LinkedHashMap<>();
    static Map<String, Long> pids = new HashMap<>();

    @BeforeAll
    static void up() throws Exception {
        home = Files.createTempDirectory("dls-home-");
        ports.put("forward-port", freePort());
        ports.put("metrics-port", freePort());
        ports.put("kafka-port", freePort());
        ports.put("kafka-controller-port", freePort());
        ports.put("flink-port", freePort());
        ports.put("flink-rpc-port", freePort());
        ports.put("es-port", freeEsPort());
        List<String> args = new ArrayList<>(List.of("up"));
        ports.forEach((k, v) -> args.addAll(List.of("--" + k, String.valueOf(v))));
        // Small enough for a 2-core CI machine that also runs Maven.
        args.addAll(List.of("--kafka-heap", "384m", "--es-heap", "384m", "--taskmanager-memory", "1280m"));
        Run r = dls(Duration.ofMinutes(8), args.toArray(String[]::new));
        assertThat(r.code()).as(() -> r.output() + logTails()).isZero();
        assertThat(r.output()).contains("dls is up", "127.0.0.1:" + ports.get("forward-port"));
        for (String s : List.of("kafka", "elasticsearch", "jobmanager", "taskmanager", "receiver")) {
            pids.put(s, Long.parseLong(Files.readString(home.resolve("run/" + s + ".pid")).trim()));
        }
    }

    @AfterAll
    static void downIfStillUp() throws Exception {
        // After a failure the processes are stopped but the logs stay in the temporary DLS_HOME.
        if (home != null && Files.isDirectory(home.resolve("run"))) {
            dls(Duration.ofMinutes(3), "down");
        }
    }

    static String logTails() {
        StringBuilder b = new StringBuilder();
        try (Stream<Path> logs = Files.list(home.resolve("logs"))) {
            for (Path log : logs.sorted().toList()) {
                List<String> lines = Files.readAllLines(log, StandardCharsets.ISO_8859_1);
                b.append("\n--- ").append(log).append(" (last 15 lines)\n");
                lines.subList(Math.max(0, lines.size() - 15), lines.size()).forEach(l -> b.append(l).append('\n'));
            }
        } catch (IOException e) {
            b.append("\n(no logs: ").append(e.getMessage()).append(')');
        }
        return b.toString();
    }

    @Test
    @Order(1)
    void upIsIdempotentAndStatusShowsEveryComponent() throws Exception {
        Run again = dls(Duration.ofMinutes(3), "up");
        assertThat(again.code()).as(again.output()).isZero();
        assertThat(again.output()).contains("kafka already running", "receiver already running", "job already running");

        Run status = dls(Duration.ofMinutes(1), "status");
        assertThat(status.code()).as(status.output()).isZero();
        for (String s : pids.keySet()) {
            assertThat(status.output()).containsPattern(s + "\\s+running\\s+pid " + pids.get(s));
        }
        assertThat(status.output()).containsPattern("job\\s+RUNNING, job [0-9a-f]{32}");
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
        try (Fluency f = b.build("127.0.0.1", ports.get("forward-port"))) {
            for (Map<String, Object> r : records) {
                f.emit("e2e." + svc, r);
            }
            f.flush();
            f.waitUntilAllBufferFlushed(30);
        }

        String bootstrap = "127.0.0.1:" + ports.get("kafka-port");
        await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofSeconds(1)).untilAsserted(() -> {
            List<JsonNode> all = readJson(bootstrap, "all_logs", svc);
            assertThat(all).hasSize(records.size());
            assertThat(all).extracting(j -> j.path("event").path("kind").asText()).contains("event", "state");
            assertThat(all.stream().map(j -> j.path("event").path("id").asText()).distinct()).hasSize(records.size());
        });
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofSeconds(1)).untilAsserted(() -> {
            List<JsonNode> critical = readJson(bootstrap, "critical_logs", svc);
            assertThat(critical.stream().filter(j -> "ERROR".equals(j.path("log").path("level").asText())
                    && "event".equals(j.path("event").path("kind").asText()))).hasSize(5);
            assertThat(critical.stream().filter(j -> "alert".equals(j.path("event").path("kind").asText()))
                    .map(j -> j.path("rule").path("name").asText())).containsExactly("error-burst");
        });
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofSeconds(1)).untilAsserted(() -> {
            List<JsonNode> failures = readJson(bootstrap, "node_failure", downNode);
            assertThat(failures).isNotEmpty();
            assertThat(failures).allSatisfy(j -> assertThat(j.path("host").path("name").asText()).isEqualTo(downNode));
            assertThat(failures.stream().map(j -> j.path("rule").path("name").asText(""))).contains("node-down");
        });

        String es = "http://127.0.0.1:" + ports.get("es-port");
        await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofSeconds(2)).untilAsserted(() -> {
            post(es + "/logs-*,alerts-*/_refresh", "");
            // Heartbeats (the UP and the DOWN one) stay out of logs-*: the registration and the logs are there.
            long logs = count(es + "/logs-*/_count", "service.name", svc);
            assertThat(logs).isEqualTo(records.size() - 2);
            long alerts = count(es + "/alerts-*/_count", "service.name", svc);
            assertThat(alerts).isGreaterThanOrEqualTo(2); // the burst and the node-down alert
        });
        JsonNode templates = JSON.readTree(get(es + "/_index_template"));
        assertThat(templates.path("index_templates").findValuesAsText("name")).contains("dls-logs", "dls-alerts");
    }

    @Test
    @Order(3)
    void patternsApplyRefusesABadSetAndUpgradesThroughASavepoint() throws Exception {
        String before = jobId();
        Path bad = copyPatterns("bad");
        Files.writeString(bad.resolve("error-burst.yaml"),
                Files.readString(bad.resolve("error-burst.yaml")).replace("within: 30s", "within: soon"));
        Run refused = dls(Duration.ofMinutes(2), "patterns", "apply", bad.toString());
        assertThat(refused.code()).isNotZero();
        assertThat(refused.output()).contains("error-burst.yaml:", "within", "the running job is unchanged");
        assertThat(jobId()).isEqualTo(before);

        Path fewer = copyPatterns("fewer");
        Files.delete(fewer.resolve("payment-retry-then-failure.yaml"));
        Run applied = dls(Duration.ofMinutes(4), "patterns", "apply", fewer.toString());
        assertThat(applied.code()).as(applied.output()).isZero();
        assertThat(applied.output()).contains("savepoint file:", "RUNNING (restored from file:");
        String after = jobId();
        assertThat(after).isNotEqualTo(before).matches("[0-9a-f]{32}");
    }

    @Test
    @Order(4)
    void downStopsExactlyWhatUpStartedAndKeepsTheData() throws Exception {
        Run down = dls(Duration.ofMinutes(3), "down");
        assertThat(down.code()).as(down.output()).isZero();
        assertThat(down.output()).contains("savepoint file:", "data kept");
        for (Map.Entry<String, Long> p : pids.entrySet()) {
            assertThat(ProcessHandle.of(p.getValue()).map(ProcessHandle::isAlive).orElse(false))
                    .as(p.getKey() + " (pid " + p.getValue() + ") still alive").isFalse();
        }
        String marker = "-Ddls.service=";
        try (Stream<ProcessHandle> all = ProcessHandle.allProcesses()) {
            assertThat(all.map(h -> h.info().commandLine().orElse(""))
                    .filter(c -> c.contains(marker) && c.contains(home.toString())).toList()).isEmpty();
        }
        assertThat(home.resolve("data/kafka")).isDirectory();
        assertThat(home.resolve("state/savepoint")).exists();
        Run status = dls(Duration.ofMinutes(1), "status");
        assertThat(status.code()).isNotZero();
        assertThat(status.output()).containsPattern("kafka\\s+stopped");
    }

    // ------------------------------------------------------------------ helpers

    record Run(int code, String output) {
    }

    static Run dls(Duration timeout, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(ROOT.resolve("dls").toString()));
        cmd.addAll(List.of(args));
        Path out = Files.createTempFile(home, "dls-", ".out");
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(ROOT.toFile()).redirectErrorStream(true)
                .redirectOutput(out.toFile());
        pb.environment().put("DLS_HOME", home.toString());
        Process p = pb.start();
        if (!p.waitFor(timeout.toSeconds(), TimeUnit.SECONDS)) {
            p.descendants().forEach(ProcessHandle::destroy);
            p.destroy();
            throw new AssertionError("./dls " + String.join(" ", args) + " ran past " + timeout + ":\n" + Files.readString(out));
        }
        String output = Files.readString(out);
        System.out.println("$ ./dls " + String.join(" ", args) + "\n" + output);
        return new Run(p.exitValue(), output);
    }

    static String jobId() throws Exception {
        JsonNode jobs = JSON.readTree(get("http://127.0.0.1:" + ports.get("flink-port") + "/jobs/overview")).path("jobs");
        List<String> running = new ArrayList<>();
        for (JsonNode j : jobs) {
            if ("RUNNING".equals(j.path("state").asText())) {
                running.add(j.path("jid").asText());
            }
        }
        assertThat(running).as("running jobs").hasSize(1);
        return running.get(0);
    }

    static Path copyPatterns(String name) throws IOException {
        Path dir = Files.createDirectories(home.resolve("patterns-" + name));
        try (Stream<Path> files = Files.list(ROOT.resolve("alert-patterns"))) {
            for (Path f : files.filter(f -> f.toString().endsWith(".yaml") || f.toString().endsWith(".json")).toList()) {
                Files.copy(f, dir.resolve(f.getFileName()));
            }
        }
        return dir;
    }

    /** Every JSON value on the topic (from the beginning) whose text mentions {@code needle}. */
    static List<JsonNode> readJson(String bootstrap, String topic, String needle) throws IOException {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        List<JsonNode> out = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> parts = new ArrayList<>();
            for (PartitionInfo i : c.partitionsFor(topic, Duration.ofSeconds(10))) {
                parts.add(new TopicPartition(topic, i.partition()));
            }
            c.assign(parts);
            c.seekToBeginning(parts);
            Map<TopicPartition, Long> end = c.endOffsets(parts);
            while (parts.stream().anyMatch(tp -> c.position(tp) < end.get(tp))) {
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(500))) {
                    String v = new String(r.value(), StandardCharsets.UTF_8);
                    if (v.contains(needle)) {
                        out.add(JSON.readTree(v));
                    }
                }
            }
        }
        return out;
    }

    static long count(String url, String field, String value) throws Exception {
        String q = "{\"query\":{\"term\":{\"" + field + "\":\"" + value + "\"}}}";
        return JSON.readTree(post(url, q)).path("count").asLong(-1);
    }

    static String get(String url) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(url)).GET().build(), HttpResponse.BodyHandlers.ofString()).body();
    }

    static String post(String url, String body) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(url)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString()).body();
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /** The Elasticsearch runner takes HTTP ports from 9200 to 9299 only. */
    static int freeEsPort() {
        for (int p = 9201; p < 9300; p++) {
            try (ServerSocket s = new ServerSocket(p)) {
                return p;
            } catch (IOException taken) {
                // next
            }
        }
        throw new IllegalStateException("no free port between 9201 and 9299 for Elasticsearch");
    }
}
