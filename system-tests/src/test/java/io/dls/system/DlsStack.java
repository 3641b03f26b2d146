package io.dls.system;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

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
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A whole {@code ./dls up} system in a temporary DLS_HOME on free ports, and the ways tests look into it:
 * the script itself, the PIDs it recorded, Kafka topics read from the beginning, Elasticsearch over HTTP.
 */
final class DlsStack {
    static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    static final ObjectMapper JSON = new ObjectMapper();
    /** Alertmanager is Debian's prometheus-alertmanager (.ci/run installs it): ./dls up starts it and the notifier. */
    static final List<String> SERVICES = List.of("kafka", "elasticsearch", "jobmanager", "taskmanager", "receiver",
            "alertmanager", "notifier");
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    final Path home;
    final Map<String, Integer> ports = new LinkedHashMap<>();

    record Run(int code, String output) {
    }

    private DlsStack(Path home) {
        this.home = home;
    }

    /** Runs {@code ./dls up} on free ports with heaps small enough for a 2-core CI machine that also runs Maven. */
    static DlsStack up(String... extra) throws Exception {
        DlsStack s = new DlsStack(Files.createTempDirectory("dls-home-"));
        s.ports.put("forward-port", freePort());
        s.ports.put("metrics-port", freePort());
        s.ports.put("kafka-port", freePort());
        s.ports.put("kafka-controller-port", freePort());
        s.ports.put("flink-port", freePort());
        s.ports.put("flink-rpc-port", freePort());
        s.ports.put("flink-metrics-port", freePort()); // the JobManager's; the TaskManager takes the next one
        s.ports.put("es-port", freeEsPort());
        // Debian's Alertmanager, started by ./dls up when installed (.ci/run installs it).
        s.ports.put("alertmanager-port", freePort());
        List<String> args = new ArrayList<>(List.of("up"));
        s.ports.forEach((k, v) -> args.addAll(List.of("--" + k, String.valueOf(v))));
        args.addAll(List.of("--kafka-heap", "384m", "--es-heap", "384m", "--taskmanager-memory", "1280m"));
        args.addAll(List.of(extra));
        Run r = s.dls(Duration.ofMinutes(8), args.toArray(String[]::new));
        try {
            assertThat(r.code()).as(() -> r.output() + s.logTails()).isZero();
            assertThat(r.output()).contains("dls is up", "127.0.0.1:" + s.ports.get("forward-port"));
        } catch (AssertionError failedUp) {
            // The test gets no stack to stop: stop what this up did start, or it outlives the test run (an
            // Elasticsearch left on a port once took the next run's documents).
            s.dls(Duration.ofMinutes(3), "down", "--purge");
            throw failedUp;
        }
        return s;
    }

    /** Stops what is still running; the temporary DLS_HOME and its logs stay for a look after a failure. */
    void downIfUp() throws Exception {
        if (Files.isDirectory(home.resolve("run"))) {
            dls(Duration.ofMinutes(3), "down");
        }
    }

    Run dls(Duration timeout, String... args) throws Exception {
        return dls(home, timeout, args);
    }

    /** {@code ./dls} with another DLS_HOME (a second user of the same machine). */
    Run dls(Path home, Duration timeout, String... args) throws Exception {
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
            throw new AssertionError("./dls " + String.join(" ", args) + " ran past " + timeout + ":\n"
                    + Files.readString(out) + logTails());
        }
        String output = Files.readString(out);
        System.out.println("$ ./dls " + String.join(" ", args) + "\n" + output);
        return new Run(p.exitValue(), output);
    }

    long pid(String service) throws IOException {
        return Long.parseLong(Files.readString(home.resolve("run/" + service + ".pid")).trim());
    }

    /** The PID of every service ({@link #SERVICES}) as ./dls recorded it now. */
    Map<String, Long> pids() throws IOException {
        Map<String, Long> pids = new LinkedHashMap<>();
        for (String s : SERVICES) {
            pids.put(s, pid(s));
        }
        return pids;
    }

    String kafka() {
        return "127.0.0.1:" + ports.get("kafka-port");
    }

    String es() {
        return "http://127.0.0.1:" + ports.get("es-port");
    }

    String alertmanager() {
        return "http://127.0.0.1:" + ports.get("alertmanager-port");
    }

    /** Alertmanager's active alerts (GET /api/v2/alerts). */
    JsonNode alertmanagerAlerts() throws Exception {
        return JSON.readTree(get(alertmanager() + "/api/v2/alerts?active=true"));
    }

        String flink() {
        return "http://127.0.0.1:" + ports.get("flink-port");
    }

    int forwardPort() {
        return ports.get("forward-port");
    }

    /** The ids of the RUNNING jobs. */
    /** The ids of the running jobs with this name ({@code JobNames.flinkName()}). */
    List<String> runningJobs(String name) throws Exception {
        List<String> running = new ArrayList<>();
        for (JsonNode j : JSON.readTree(get(flink() + "/jobs/overview")).path("jobs")) {
            if ("RUNNING".equals(j.path("state").asText()) && name.equals(j.path("name").asText())) {
                running.add(j.path("jid").asText());
            }
        }
        return running;
    }

    /** Flink's numRestarts of a job, or -1 before it is reported. */
    long restarts(String jobId) throws Exception {
        JsonNode m = JSON.readTree(get(flink() + "/jobs/" + jobId + "/metrics?get=numRestarts"));
        return m.size() == 0 ? -1 : m.path(0).path("value").asLong(-1);
    }

    String logTails() {
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

    /** Every record of the topic from the beginning to its current end (read_committed), to {@code each}. */
    void readTopic(String topic, Consumer<ConsumerRecord<byte[], byte[]>> each) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka());
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 4 * 1024 * 1024);
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> parts = new ArrayList<>();
            for (PartitionInfo i : c.partitionsFor(topic, Duration.ofSeconds(10))) {
                parts.add(new TopicPartition(topic, i.partition()));
            }
            c.assign(parts);
            c.seekToBeginning(parts);
            Map<TopicPartition, Long> end = c.endOffsets(parts);
            while (parts.stream().anyMatch(tp -> c.position(tp) < end.get(tp))) {
                c.poll(Duration.ofMillis(500)).forEach(each);
            }
        }
    }

    /** Every JSON value on the topic whose text mentions {@code needle}. */
    List<JsonNode> readJson(String topic, String needle) throws IOException {
        List<JsonNode> out = new ArrayList<>();
        List<IOException> bad = new ArrayList<>();
        readTopic(topic, r -> {
            String v = new String(r.value(), StandardCharsets.UTF_8);
            if (v.contains(needle)) {
                try {
                    out.add(JSON.readTree(v));
                } catch (IOException e) {
                    bad.add(e);
                }
            }
        });
        if (!bad.isEmpty()) {
            throw bad.get(0);
        }
        return out;
    }

    long esCount(String indices, String field, String value) throws Exception {
        String q = "{\"query\":{\"term\":{\"" + field + "\":\"" + value + "\"}}}";
        return JSON.readTree(post(es() + "/" + indices + "/_count", q)).path("count").asLong(-1);
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
