package io.dls.job.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.dls.job.Connectors;
import io.dls.job.JobOptions;
import io.dls.job.LogPipelineJob;
import io.dls.job.patterns.CompiledPattern;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.MemorySize;
import org.apache.flink.configuration.MetricOptions;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.configuration.TaskManagerOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import picocli.CommandLine;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;

/**
 * Driver of bench/patterns.sh: what the pipeline job costs as its alert patterns grow in number (the Kafka broker
 * runs as a process of its own; every mode runs in a JVM of its own). Uses {@link JobBench}'s load, measurement
 * and latency run.
 * <ul>
 *   <li>{@code fill BOOTSTRAP P N WARMUP SERVICES}: appends WARMUP and then N realistic raw records to P.raw
 *   (alternately on its two partitions), from the services {@code svc-0} to {@code svc-<SERVICES-1>}.</li>
 *   <li>{@code pipeline BOOTSTRAP P S N WARMUP PATTERNS_DIR}: the pipeline job (local MiniCluster with its REST
 *   API on a free loopback port) with the patterns of PATTERNS_DIR, reading all of P.raw and writing topics
 *   P+S.*; waits (bounded) until every task runs, then prints the job's vertices and tasks, its events/s to
 *   P+S.all_logs over the N measured records (as {@code JobBench pipeline}), its JVM's CPU per event, and the
 *   TaskManager's heap and network memory (REST metrics Status.JVM.Memory.Heap.Used,
 *   Status.Shuffle.Netty.UsedMemory and TotalMemory). A job that does not deploy is reported with its first
 *   exception, exit code 3.</li>
 *   <li>{@code latency BOOTSTRAP P RATE SECONDS PATTERNS_DIR SERVICES BURST_SERVICE BURST_RULE}: JobBench's
 *   latency run with these patterns and a background load over the SERVICES services (their ERRORs kept); each
 *   burst is 5 ERROR events of BURST_SERVICE on a host of its own, answered by BURST_RULE's alert for that host.</li>
 *   <li>{@code probe BOOTSTRAP SERVICE RULE TIMEOUT_S}: against a running ./dls stack (its default topics):
 *   a few events through logs.raw to all_logs, then an error burst of SERVICE (5 ERROR on a host of its own)
 *   answered by RULE's alert for that service or host on critical_logs; prints how long each took, or that it
 *   did not come.</li>
 * </ul>
 * JVM properties: {@code bench.parallelism} (1, as ./dls), {@code bench.networkMemory} (the MiniCluster TaskManager's
 * network memory, e.g. 512m; Flink's local default otherwise), {@code bench.deployTimeoutS} (300),
 * {@code bench.measureTimeoutS} (300: until the first event), {@code bench.warmupS} (20), {@code bench.windowS} (60)
 * (see {@link #measure}), {@code bench.checkpointMs} (5000, as JobBench).
 */
public final class PatternsBench {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Exit code of a job that did not deploy. */
    static final int NOT_DEPLOYED = 3;

    private PatternsBench() {
    }

    public static void main(String[] args) throws Exception {
        switch (args[0]) {
            case "fill" -> fill(args[1], args[2], Integer.parseInt(args[3]), Integer.parseInt(args[4]),
                    Integer.parseInt(args[5]));
            case "pipeline" -> pipeline(args[1], args[2], args[3], Integer.parseInt(args[4]), Integer.parseInt(args[5]),
                    Path.of(args[6]));
            case "latency" -> latency(args[1], args[2], Integer.parseInt(args[3]), Integer.parseInt(args[4]),
                    Path.of(args[5]), Integer.parseInt(args[6]), args[7], args[8]);
            case "probe" -> probe(args[1], args[2], args[3], Integer.parseInt(args[4]));
            default -> throw new IllegalArgumentException("mode: fill | pipeline | latency | probe");
        }
        System.exit(0);
    }

    static String[] services(int n) {
        String[] s = new String[n];
        for (int i = 0; i < n; i++) {
            s[i] = "svc-" + i;
        }
        return s;
    }

    /** The patterns of {@code dir}, copied and aimed at this run's topics (prefix {@code p}). */
    static List<CompiledPattern> patterns(Path dir, String p) throws Exception {
        Path into = Files.createTempDirectory("bench-patterns");
        try (var files = Files.list(dir)) {
            for (Path f : files.filter(f -> f.toString().endsWith(".yaml")).toList()) {
                Files.writeString(into.resolve(f.getFileName()), Files.readString(f)
                        .replace("topic: critical_logs", "topic: " + p + "critical_logs")
                        .replace("topic: node_failure", "topic: " + p + "node_failure"));
            }
        }
        return LogPipelineJob.compilePatterns(CommandLine.populateCommand(new JobOptions(), "--patterns", into.toString()));
    }

    static void fill(String bootstrap, String p, int n, int warmup, int services) throws Exception {
        JobOptions o = JobBench.options(bootstrap, JobBench.NO_ELASTICSEARCH, p);
        Connectors.createTopics(o, Set.of());
        String[] svc = services(services);
        Random random = new Random(42);
        long base = System.currentTimeMillis();
        try (KafkaProducer<byte[], byte[]> producer = JobBench.producer(bootstrap)) {
            for (int i = 0; i < warmup + n; i++) {
                Map<String, Object> rec = JobBench.record(random, i, svc);
                String chunk = "c" + p + (i / 1000) + "#" + (i % 1000);
                producer.send(JobBench.raw(o.topics().raw(), i % 2, p + rec.get("service_name"), base + i / 50, chunk,
                        JobBench.msgpack(rec)));
            }
            producer.flush();
        }
        System.out.printf("filled %s with %d warm-up and %d measured records from %d services%n", o.topics().raw(),
                warmup, n, services);
    }

    // ------------------------------------------------------------------ the MiniCluster and its REST API

    /** A local environment whose MiniCluster serves Flink's REST API on {@code restPort} (loopback). */
    static StreamExecutionEnvironment env(int restPort) {
        Configuration conf = new Configuration();
        conf.set(RestOptions.ADDRESS, "127.0.0.1");
        conf.set(RestOptions.BIND_ADDRESS, "127.0.0.1");
        conf.set(RestOptions.BIND_PORT, Integer.toString(restPort));
        conf.set(RestOptions.PORT, restPort);
        // The REST API's metric values are at most this old (default 10 s).
        conf.set(MetricOptions.METRIC_FETCHER_UPDATE_INTERVAL, Duration.ofSeconds(1));
        String network = System.getProperty("bench.networkMemory", "");
        if (!network.isBlank()) {
            conf.set(TaskManagerOptions.NETWORK_MEMORY_MIN, MemorySize.parse(network));
            conf.set(TaskManagerOptions.NETWORK_MEMORY_MAX, MemorySize.parse(network));
        }
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        env.setParallelism(Integer.getInteger("bench.parallelism", 1));
        return env;
    }

    static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    record Rest(HttpClient http, String base) {
        Rest(int port) {
            this(HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build(), "http://127.0.0.1:" + port);
        }

        JsonNode get(String path) throws Exception {
            HttpResponse<String> res = http.send(HttpRequest.newBuilder(URI.create(base + path))
                    .timeout(Duration.ofSeconds(10)).GET().build(), HttpResponse.BodyHandlers.ofString());
            if (res.statusCode() != 200) {
                throw new IllegalStateException("GET " + path + ": HTTP " + res.statusCode());
            }
            return JSON.readTree(res.body());
        }

        /** The first TaskManager's metrics, by name (values as numbers; absent ones left out). */
        Map<String, Double> taskManagerMetrics(String... names) throws Exception {
            String tm = get("/taskmanagers").at("/taskmanagers/0/id").asText();
            Map<String, Double> out = new HashMap<>();
            for (JsonNode m : get("/taskmanagers/" + tm + "/metrics?get=" + String.join(",", names))) {
                out.put(m.path("id").asText(), m.path("value").asDouble());
            }
            return out;
        }
    }

    static final String HEAP = "Status.JVM.Memory.Heap.Used";
    static final String NET_USED = "Status.Shuffle.Netty.UsedMemory";
    static final String NET_TOTAL = "Status.Shuffle.Netty.TotalMemory";

    /** The job as deployed: its vertices and tasks (the sum of their parallelism), or why it did not run. */
    record Deployment(boolean ok, int vertices, int tasks, int running, int failures, double seconds, String failure) {
        String describe() {
            return String.format("vertices=%d tasks=%d deployed=%s deploy_seconds=%.1f deploy_failures=%d", vertices,
                    tasks, ok ? "yes" : "no", seconds, failures);
        }
    }

    /**
     * Waits until every task of the job runs, at most {@code bench.deployTimeoutS}. A job that failed five times
     * before it ran (Flink restarts it forever, with the same error each time when it cannot deploy), that failed
     * for good, or that is still not running at the deadline did not deploy; its first exception says why. A job
     * that runs after fewer failures deployed, and says how many.
     */
    static Deployment awaitDeployed(Rest rest, JobClient job) throws Exception {
        long start = System.nanoTime();
        long deadline = start + Duration.ofSeconds(Long.getLong("bench.deployTimeoutS", 300)).toNanos();
        String id = job.getJobID().toString();
        JobStatus last = new JobStatus();
        boolean settled = within(Duration.ofNanos(deadline - start), Duration.ofMillis(500), () -> {
            JsonNode j;
            JsonNode history;
            try {
                j = rest.get("/jobs/" + id);
                history = rest.get("/jobs/" + id + "/exceptions").at("/exceptionHistory/entries");
            } catch (Exception e) {
                return false; // the job is not known to the dispatcher yet
            }
            last.read(j, history);
            return last.running() || last.failedForGood();
        });
        double seconds = (System.nanoTime() - start) / 1e9;
        if (settled && last.running()) {
            return new Deployment(true, last.vertices, last.tasks, last.runningTasks, last.failures, seconds,
                    last.failure);
        }
        if (settled) {
            return new Deployment(false, last.vertices, last.tasks, last.runningTasks, last.failures, seconds,
                    last.failure + " (job " + last.state + ", " + last.failures + " failures so far)");
        }
        return new Deployment(false, last.vertices, last.tasks, last.runningTasks, last.failures, seconds,
                "only " + last.runningTasks + " of " + last.tasks + " tasks RUNNING after "
                        + Long.getLong("bench.deployTimeoutS", 300) + " s"
                        + (last.failure == null ? "" : "; first failure: " + last.failure));
    }

    /** The job as REST showed it at the last look. */
    private static final class JobStatus {
        int vertices;
        int tasks;
        int runningTasks;
        int failures;
        String failure;
        String state;

        void read(JsonNode job, JsonNode history) {
            vertices = job.path("vertices").size();
            tasks = 0;
            runningTasks = 0;
            for (JsonNode v : job.path("vertices")) {
                tasks += v.path("parallelism").asInt();
                runningTasks += v.path("tasks").path("RUNNING").asInt();
            }
            if (history.size() > 0) {
                failure = firstException(history.get(0));
            }
            failures = history.size();
            state = job.path("state").asText();
        }

        boolean running() {
            return vertices > 0 && runningTasks == tasks && "RUNNING".equals(state);
        }

        /** Flink restarts a job that cannot deploy forever, with the same error each time: five failures is enough. */
        boolean failedForGood() {
            return failures >= 5 || "FAILED".equals(state) || "CANCELED".equals(state);
        }
    }

    /** Polls the condition every {@code poll} until it holds (true) or {@code max} has passed (false). */
    static boolean within(Duration max, Duration poll, Callable<Boolean> condition) {
        try {
            await().pollInSameThread().pollDelay(Duration.ZERO).pollInterval(poll).atMost(max).until(condition);
            return true;
        } catch (org.awaitility.core.ConditionTimeoutException timedOut) {
            return false;
        }
    }

    /** An exception history entry as one line: its exception and the deepest cause's. */
    static String firstException(JsonNode entry) {
        String[] lines = entry.path("stacktrace").asText(entry.path("exceptionName").asText()).split("\n");
        String cause = null;
        for (String l : lines) {
            if (l.startsWith("Caused by: ")) {
                cause = l.substring("Caused by: ".length());
            }
        }
        return lines[0].trim() + (cause == null ? "" : " / caused by: " + cause.trim());
    }

    /** Heap and network memory of the TaskManager, sampled every second while the job runs. */
    static final class Sampler {
        private final Rest rest;
        private final ScheduledExecutorService every = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "memory-sampler");
            t.setDaemon(true);
            return t;
        });
        volatile double heapMax;
        volatile double netUsedMax;
        volatile double netTotal;
        volatile int samples;

        Sampler(Rest rest) {
            this.rest = rest;
        }

        void start() {
            every.scheduleAtFixedRate(this::sample, 0, 1, TimeUnit.SECONDS);
        }

        private void sample() {
            try {
                Map<String, Double> m = rest.taskManagerMetrics(HEAP, NET_USED, NET_TOTAL);
                heapMax = Math.max(heapMax, m.getOrDefault(HEAP, 0.0));
                netUsedMax = Math.max(netUsedMax, m.getOrDefault(NET_USED, 0.0));
                netTotal = m.getOrDefault(NET_TOTAL, netTotal);
                samples++;
            } catch (Exception e) {
                // not there yet, or the cluster is going away
            }
        }

        void finish() throws InterruptedException {
            every.shutdownNow();
            every.awaitTermination(30, TimeUnit.SECONDS);
        }
    }

    static double mib(double bytes) {
        return bytes / (1024 * 1024);
    }

    /**
     * A measured window, and what ended its warm-up and itself: {@code records} (as {@link JobBench#measure}) or
     * {@code time} (a job too slow to get through them in the time allowed).
     */
    record Measured(JobBench.Window window, String warmupEnd, String windowEnd) {
    }

    /**
     * As {@link JobBench#measure}, but bounded in time for jobs that crawl: the warm-up ends at the first count past
     * {@code warm}, or {@code bench.warmupS} (20) seconds after the first event came out, whichever is first; the
     * window then ends at 99 % of the records, or after {@code bench.windowS} (60) seconds. Null when no event came
     * out within {@code bench.measureTimeoutS} (300) seconds, or none in the window.
     */
    static Measured measure(JobBench.Counter counter, long warm, long n, long pollMs) throws Exception {
        long firstOutputDeadline = System.nanoTime() + Duration.ofSeconds(Long.getLong("bench.measureTimeoutS", 300)).toNanos();
        long warmNanos = Duration.ofSeconds(Long.getLong("bench.warmupS", 20)).toNanos();
        long windowNanos = Duration.ofSeconds(Long.getLong("bench.windowS", 60)).toNanos();
        Duration poll = Duration.ofMillis(pollMs);
        if (!within(Duration.ofNanos(firstOutputDeadline - System.nanoTime()), poll, () -> counter.get() > 0)) {
            return null;
        }
        within(Duration.ofNanos(warmNanos), poll, () -> counter.get() > warm);
        long count = counter.get();
        String warmupEnd = count > warm ? "records" : "time";
        long first = System.nanoTime();
        long firstCount = count;
        Map<String, Double> cpuFirst = JobBench.cpuSeconds("job");
        within(Duration.ofNanos(windowNanos), poll, () -> counter.get() >= warm + n * 0.99);
        count = counter.get();
        long end = System.nanoTime();
        Map<String, Double> cpuEnd = JobBench.cpuSeconds("job");
        System.err.printf("counted %d of %d (warm-up ended by %s, window by %s)%n", count, warm + n, warmupEnd,
                count >= warm + n * 0.99 ? "records" : "time");
        if (count == firstCount) {
            return null;
        }
        return new Measured(new JobBench.Window(count - firstCount, (end - first) / 1e9, cpuFirst, cpuEnd), warmupEnd,
                count >= warm + n * 0.99 ? "records" : "time");
    }

    // ------------------------------------------------------------------ modes

    static void pipeline(String bootstrap, String p, String s, int n, int warmup, Path dir) throws Exception {
        JobOptions o = JobBench.options(bootstrap, JobBench.NO_ELASTICSEARCH, p + s, p + "raw");
        List<CompiledPattern> patterns = patterns(dir, p + s);
        Connectors.createTopics(o, Set.of());
        int port = freePort();
        StreamExecutionEnvironment env = env(port);
        LogPipelineJob.build(env, o, patterns);
        Rest rest = new Rest(port);
        JobClient job = env.executeAsync("bench patterns " + patterns.size());
        Sampler sampler = new Sampler(rest);
        sampler.start();
        Deployment d = awaitDeployed(rest, job);
        String head = String.format("patterns=%d parallelism=%d %s", patterns.size(), env.getParallelism(), d.describe());
        if (d.ok() && d.failure() != null) {
            System.err.println("deployed after a failure: " + d.failure());
        }
        if (!d.ok()) {
            sampler.finish();
            System.out.printf("%s network_used_mib=%.0f network_total_mib=%.0f%n", head, mib(sampler.netUsedMax),
                    mib(sampler.netTotal));
            System.out.println("not deployed: " + d.failure());
            System.out.flush();
            Runtime.getRuntime().halt(NOT_DEPLOYED); // the restarting job would keep a clean exit waiting
        }
        Measured m;
        try (Admin admin = JobBench.admin(bootstrap)) {
            m = measure(() -> JobBench.endOffsets(admin, o.topics().all()), warmup, n, 25);
        }
        sampler.finish();
        // The heap the job keeps (its state, the operators themselves) without what is garbage already. The MiniCluster
        // runs in this JVM: its Status.JVM.Memory.Heap.Used is this JVM's heap, read here right after the collection
        // (the REST value is up to a second old, and a second of the running job's garbage more).
        System.gc();
        double heapAfterGc = java.lang.management.ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
        Map<String, Double> net = rest.taskManagerMetrics(NET_USED, NET_TOTAL);
        job.cancel().get();
        String memory = String.format("heap_used_max_mib=%.0f heap_after_gc_mib=%.0f network_used_mib=%.0f network_total_mib=%.0f",
                mib(sampler.heapMax), mib(heapAfterGc), mib(Math.max(sampler.netUsedMax, net.getOrDefault(NET_USED, 0.0))),
                mib(net.getOrDefault(NET_TOTAL, sampler.netTotal)));
        if (m == null) {
            System.out.printf("%s pipeline_events=0 %s%n", head, memory);
            System.out.println("not measured: no event reached " + o.topics().all() + " in time");
            System.exit(1);
        }
        JobBench.Window w = m.window();
        System.out.printf("%s pipeline_events=%d pipeline_seconds=%.2f pipeline_rate=%.0f warmup_end=%s window_end=%s %s%n",
                head, w.count(), w.seconds(), w.rate(), m.warmupEnd(), m.windowEnd(), memory);
        System.out.println(w.cpu("event"));
    }

    static void latency(String bootstrap, String p, int rate, int seconds, Path dir, int services, String burstService,
                        String burstRule) throws Exception {
        JobOptions o = JobBench.options(bootstrap, JobBench.NO_ELASTICSEARCH, p);
        List<CompiledPattern> patterns = patterns(dir, p);
        if (patterns.stream().noneMatch(c -> c.name().equals(burstRule))) {
            throw new IllegalArgumentException("no pattern " + burstRule + " in " + dir);
        }
        int port = freePort();
        StreamExecutionEnvironment env = env(port);
        Rest rest = new Rest(port);
        JobBench.latency(bootstrap, o, patterns, env, job -> {
            Deployment d = awaitDeployed(rest, job);
            System.out.printf("patterns=%d parallelism=%d %s%n", patterns.size(), env.getParallelism(), d.describe());
            if (!d.ok()) {
                System.out.println("not deployed: " + d.failure());
                System.out.flush();
                Runtime.getRuntime().halt(NOT_DEPLOYED);
            }
        }, rate, seconds, services(services), true, b -> {
            String host = "lat-host-" + b;
            List<Map<String, Object>> recs = new ArrayList<>();
            for (int k = 0; k < 5; k++) {
                recs.add(new LinkedHashMap<>(Map.of("service_name", burstService, "node_id", host,
                        "message_type", "LOG", "log_level", "ERROR", "message", "failure " + k)));
            }
            return new JobBench.Burst(host, "lat." + burstService, recs, burstRule + "|" + host);
        });
    }

    static void probe(String bootstrap, String service, String rule, int timeoutS) throws Exception {
        JobOptions o = CommandLine.populateCommand(new JobOptions(), "--kafka-bootstrap", bootstrap);
        try (KafkaProducer<byte[], byte[]> producer = JobBench.producer(bootstrap);
             KafkaConsumer<byte[], byte[]> all = consumerAtEnd(bootstrap, o.topics().all());
             KafkaConsumer<byte[], byte[]> alerts = consumerAtEnd(bootstrap, o.topics().critical())) {
            int partitions = producer.partitionsFor(o.topics().raw()).size();
            long start = System.currentTimeMillis();
            long deadline = start + timeoutS * 1000L;
            int seen = 0;
            for (int i = 0; seen == 0 && System.currentTimeMillis() < deadline; i++) {
                sendProbes(producer, o, partitions, i);
                seen += all.poll(Duration.ofMillis(500)).count();
            }
            long allMs = System.currentTimeMillis() - start;
            System.out.println(seen > 0 ? "probe_all_logs_ms=" + allMs
                    : "probe_all_logs_ms=none (no event reached " + o.topics().all() + " within " + timeoutS + " s)");
            if (seen == 0) {
                System.exit(1);
            }
            String host = "probe-host-" + start;
            long burstAt = System.currentTimeMillis();
            for (int k = 0; k < 5; k++) {
                Map<String, Object> rec = new LinkedHashMap<>(Map.of("service_name", service, "node_id", host,
                        "message_type", "LOG", "log_level", "ERROR", "message", "probe failure " + k));
                producer.send(JobBench.raw(o.topics().raw(), null, "probe." + service, System.currentTimeMillis(),
                        host + "#" + k, JobBench.msgpack(rec)));
            }
            producer.flush();
            deadline = System.currentTimeMillis() + timeoutS * 1000L;
            for (int i = 0; System.currentTimeMillis() < deadline; i++) {
                for (ConsumerRecord<byte[], byte[]> r : alerts.poll(Duration.ofMillis(500))) {
                    JsonNode a = JSON.readTree(r.value());
                    String key = a.at("/alert/key/value").asText();
                    if (a.at("/rule/name").asText().equals(rule) && (key.equals(host) || key.equals(service))) {
                        System.out.printf("probe_alert_ms=%d (%s for %s on %s)%n", System.currentTimeMillis() - burstAt,
                                rule, key, o.topics().critical());
                        return;
                    }
                }
                sendProbes(producer, o, partitions, 1000 + i); // event time moves on every partition
            }
            System.out.printf("probe_alert_ms=none (no %s alert for %s or %s on %s within %d s)%n", rule, service, host,
                    o.topics().critical(), timeoutS);
            System.exit(1);
        }
    }

    private static void sendProbes(KafkaProducer<byte[], byte[]> producer, JobOptions o, int partitions, int i) {
        for (int part = 0; part < partitions; part++) {
            Map<String, Object> probe = new LinkedHashMap<>(Map.of("service_name", "probe", "node_id", "probe-1",
                    "message_type", "LOG", "log_level", "INFO", "message", "probe " + i));
            try {
                producer.send(JobBench.raw(o.topics().raw(), part, "probe", System.currentTimeMillis(),
                        "probe" + System.nanoTime() + "#0", JobBench.msgpack(probe)));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
        producer.flush();
    }

    private static KafkaConsumer<byte[], byte[]> consumerAtEnd(String bootstrap, String topic) {
        KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(Map.of("bootstrap.servers", bootstrap,
                "enable.auto.commit", "false"), new ByteArrayDeserializer(), new ByteArrayDeserializer());
        List<TopicPartition> parts = new ArrayList<>();
        c.partitionsFor(topic).forEach(pi -> parts.add(new TopicPartition(topic, pi.partition())));
        c.assign(parts);
        c.seekToEnd(parts);
        parts.forEach(c::position); // resolve the end now, before anything is sent
        return c;
    }
}
