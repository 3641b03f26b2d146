package io.dls.job.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.dls.job.Connectors;
import io.dls.job.JobOptions;
import io.dls.job.LogPipelineJob;
import io.dls.job.normalize.AliasConfig;
import io.dls.job.normalize.EventIds;
import io.dls.job.normalize.LogEvent;
import io.dls.job.normalize.Normalizer;
import io.dls.job.patterns.CompiledPattern;
import io.dls.contracts.IndexNames;
import io.dls.job.support.ShippedPatterns;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.msgpack.core.MessageBufferPacker;
import org.msgpack.core.MessagePack;
import picocli.CommandLine;

import java.io.BufferedWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * Driver of bench/job.sh (the Kafka broker and the Elasticsearch node run as their own processes).
 * <ul>
 *   <li>{@code throughput BOOTSTRAP ES_URL N OUT_DIR [WARMUP]}: fills a raw topic with WARMUP and then N
 *   realistic records, runs the job (local MiniCluster, parallelism 2, the shipped patterns) until
 *   Elasticsearch holds every log document, prints {@code job_docs=.. job_seconds=.. job_rate=..} over the
 *   documents of the N records only (the warm-up ones let the JIT compile the job's code first, as it has in
 *   a job that has been running for a while), and writes the N records' documents as _bulk files into
 *   OUT_DIR for the baseline.</li>
 *   <li>{@code latency BOOTSTRAP ES_URL RATE SECONDS}: runs the job, appends RATE events/s for SECONDS with an
 *   error burst every 100 ms on its own service, and prints the p50/p99 time from appending a burst's fifth
 *   error to its alert on critical_logs; then stops three nodes' heartbeats and prints how long after the
 *   15 s window their timeout alerts arrived.</li>
 * </ul>
 */
public final class JobBench {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String[] LEVELS = {"INFO", "INFO", "INFO", "INFO", "DEBUG", "WARN", "ERROR"};
    private static final String[] SERVICES = {"inventory", "order", "payment", "shipping"};

    private JobBench() {
    }

    public static void main(String[] args) throws Exception {
        String run = Long.toString(System.currentTimeMillis() % 1_000_000, 36);
        switch (args[0]) {
            case "throughput" -> throughput(args[1], args[2], Integer.parseInt(args[3]), Path.of(args[4]),
                    args.length > 5 ? Integer.parseInt(args[5]) : 0, run);
            case "latency" -> latency(args[1], args[2], Integer.parseInt(args[3]), Integer.parseInt(args[4]), run);
            default -> throw new IllegalArgumentException("mode: throughput | latency");
        }
        System.exit(0);
    }

    static JobOptions options(String bootstrap, String es, String p) {
        return CommandLine.populateCommand(new JobOptions(), "--kafka-bootstrap", bootstrap, "--es-hosts", es,
                "--patterns", "../alert-patterns", "--topic-raw", p + "raw", "--topic-all", p + "all_logs",
                "--topic-critical", p + "critical_logs", "--topic-node-failure", p + "node_failure",
                "--topic-invalid", p + "invalid", "--group-id", p + "group", "--starting-offsets", "earliest",
                "--checkpoint-interval", System.getProperty("bench.checkpointMs", "5000"), "--topic-partitions", "2",
                "--es-bulk-actions", System.getProperty("bench.esBulkActions", "1000"), "--es-bulk-interval", "1000",
                "--es-parallelism", System.getProperty("bench.esParallelism", "0"));
    }

    /** The shipped patterns, aimed at this run's topics. */
    static List<CompiledPattern> patterns(String p) throws Exception {
        Path dir = ShippedPatterns.copy(Files.createTempDirectory("bench-patterns"), p, null);
        return LogPipelineJob.compilePatterns(CommandLine.populateCommand(new JobOptions(), "--patterns", dir.toString()));
    }

    static Map<String, Object> record(Random r, int i) {
        Map<String, Object> m = new LinkedHashMap<>();
        String service = SERVICES[i % SERVICES.length];
        m.put("service_name", service);
        m.put("node_id", service + "-" + (i % 7));
        if (i % 12 == 0) {
            m.put("message_type", "HEARTBEAT");
            m.put("status", "UP");
        } else {
            m.put("message_type", "LOG");
            m.put("log_level", LEVELS[r.nextInt(LEVELS.length)]);
            m.put("message", "GET /api/" + service + "/" + r.nextInt(100_000) + " took " + r.nextInt(900) + " ms");
            m.put("request_id", Long.toHexString(r.nextLong()));
        }
        return m;
    }

    static byte[] msgpack(Map<String, Object> m) throws Exception {
        try (MessageBufferPacker p = MessagePack.newDefaultBufferPacker()) {
            p.packMapHeader(m.size());
            for (Map.Entry<String, Object> e : m.entrySet()) {
                p.packString(e.getKey()).packString(String.valueOf(e.getValue()));
            }
            return p.toByteArray();
        }
    }

    static KafkaProducer<byte[], byte[]> producer(String bootstrap) {
        return new KafkaProducer<>(Map.of("bootstrap.servers", bootstrap, "acks", "all", "linger.ms", "10",
                "batch.size", "262144", "compression.type", "lz4"), new ByteArraySerializer(), new ByteArraySerializer());
    }

    static ProducerRecord<byte[], byte[]> raw(String topic, String tag, long millis, String chunk, byte[] value) {
        long s = millis / 1000;
        int ns = (int) (millis % 1000) * 1_000_000;
        byte[] time = {(byte) (s >>> 24), (byte) (s >>> 16), (byte) (s >>> 8), (byte) s,
                (byte) (ns >>> 24), (byte) (ns >>> 16), (byte) (ns >>> 8), (byte) ns};
        return new ProducerRecord<>(topic, null, millis, tag.getBytes(StandardCharsets.UTF_8), value,
                List.of(new RecordHeader("fluent.time", time),
                        new RecordHeader("fluent.chunk", chunk.getBytes(StandardCharsets.UTF_8))));
    }

    /**
     * Documents indexed into logs-* so far, from the indexing statistics: unlike _count it needs no refresh,
     * and refreshing every few hundred milliseconds would slow Elasticsearch down and skew the measurement.
     */
    static long esIndexed(HttpClient http, String es, String index) throws Exception {
        HttpResponse<String> res = http.send(HttpRequest.newBuilder(URI.create(es + "/" + index + "/_stats/indexing")).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        return JSON.readTree(res.body()).at("/_all/primaries/indexing/index_total").asLong(0);
    }

    static long esCount(HttpClient http, String es, String datasetPrefix) throws Exception {
        http.send(HttpRequest.newBuilder(URI.create(es + "/logs-*/_refresh")).POST(HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.discarding());
        String q = "{\"query\": {\"prefix\": {\"event.dataset\": \"" + datasetPrefix + "\"}}}";
        HttpResponse<String> res = http.send(HttpRequest.newBuilder(URI.create(es + "/logs-*/_count"))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(q)).build(),
                HttpResponse.BodyHandlers.ofString());
        return JSON.readTree(res.body()).path("count").asLong(0);
    }

    static void throughput(String bootstrap, String es, int n, Path out, int warmup, String run) throws Exception {
        String p = "bench" + run + ".";
        String tagPrefix = "bench." + run + ".";
        JobOptions o = options(bootstrap, es, p);
        List<CompiledPattern> patterns = patterns(p);
        Connectors.createTopics(o, Set.of(p + "critical_logs", p + "node_failure"));
        Random random = new Random(42);
        Normalizer normalizer = new Normalizer(AliasConfig.defaults());
        long base = System.currentTimeMillis() - 60_000;
        int logs = 0;
        int warmupLogs = 0;
        Files.createDirectories(out);
        BufferedWriter bulk = null;
        int files = 0;
        System.err.printf("filling %s with %d warm-up and %d measured records%n", o.topics().raw(), warmup, n);
        try (KafkaProducer<byte[], byte[]> producer = producer(bootstrap)) {
            for (int i = 0; i < warmup + n; i++) {
                Map<String, Object> rec = record(random, i);
                String tag = tagPrefix + rec.get("service_name");
                String chunk = "c" + run + "-" + (i / 1000) + "#" + (i % 1000);
                // Warm-up records a day earlier: their documents go to an index of their own, and the measured
                // ones start an empty index, as the baseline's do.
                long millis = (i < warmup ? base - 86_400_000L : base) + i / 50;
                producer.send(raw(o.topics().raw(), tag, millis, chunk, msgpack(rec)));
                if (i < warmup) {
                    warmupLogs += "HEARTBEAT".equals(rec.get("message_type")) ? 0 : 1;
                } else if (!"HEARTBEAT".equals(rec.get("message_type"))) {
                    // The same document the job will write, for the plain _bulk baseline.
                    LogEvent e = normalizer.normalize(tag, millis / 1000, (int) (millis % 1000) * 1_000_000,
                            new HashMap<>(rec), EventIds.of(tag, chunk, null, 0, 0));
                    if (logs % 1000 == 0) {
                        if (bulk != null) {
                            bulk.close();
                        }
                        bulk = Files.newBufferedWriter(out.resolve(String.format("bulk-%05d.ndjson", files++)));
                    }
                    bulk.write("{\"index\":{\"_index\":\"logs-bulk" + run + "\",\"_id\":\"" + e.eventId + "\"}}\n");
                    bulk.write(JSON.writeValueAsString(e.toDocument()));
                    bulk.write('\n');
                    logs++;
                }
            }
            producer.flush();
        }
        if (bulk != null) {
            bulk.close();
        }
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(2);
        LogPipelineJob.build(env, o, patterns);
        HttpClient http = HttpClient.newHttpClient();
        String measuredIndex = IndexNames.logs(base);
        String warmupIndex = IndexNames.logs(base - 86_400_000L);
        // Indexing statistics are cumulative: earlier runs on the same node may have added to them.
        long before = esIndexed(http, es, measuredIndex);
        JobClient job = env.executeAsync("bench throughput");
        long deadline = System.nanoTime() + Duration.ofMinutes(10).toNanos();
        if (warmup > 0) {
            while (esIndexed(http, es, warmupIndex) < warmupLogs && System.nanoTime() < deadline) {
                Thread.sleep(200);
            }
            // Its merges would otherwise run on Elasticsearch's core during the measured window.
            http.send(HttpRequest.newBuilder(URI.create(es + "/" + warmupIndex)).DELETE().build(),
                    HttpResponse.BodyHandlers.discarding());
        }
        long first = 0;
        long firstCount = 0;
        long count = 0;
        Map<String, Double> cpuAtFirst = Map.of();
        // The rate is taken up to 99 % of the documents: the last partial bulk of each sink subtask waits for
        // the flush interval (1 s) once the input has run out, which a stream that goes on never does.
        long end = 0;
        long endCount = 0;
        Map<String, Double> cpuAtEnd = Map.of();
        while (count < logs && System.nanoTime() < deadline) {
            Thread.sleep(200);
            count = esIndexed(http, es, measuredIndex) - before;
            if (first == 0 && count > 0) {
                first = System.nanoTime();
                firstCount = count;
                cpuAtFirst = cpuSeconds();
            }
            if (end == 0 && count >= logs * 0.99) {
                end = System.nanoTime();
                endCount = count;
                cpuAtEnd = cpuSeconds();
            }
        }
        long all = System.nanoTime();
        job.cancel().get();
        long stored = esCount(http, es, tagPrefix);
        System.err.printf("indexing operations %d, documents stored %d of %d%n", count, stored, logs);
        double seconds = (end - first) / 1e9;
        System.out.printf("job_docs=%d job_seconds=%.2f job_rate=%.0f bulk_files=%d (all %d documents: %.0f/s)%n",
                endCount - firstCount, seconds, (endCount - firstCount) / seconds, files, count - firstCount,
                (count - firstCount) / ((all - first) / 1e9));
        // CPU per document of each process in the same window, so a run says where the time went.
        StringBuilder cpu = new StringBuilder();
        for (Map.Entry<String, Double> e : cpuAtEnd.entrySet()) {
            double used = e.getValue() - cpuAtFirst.getOrDefault(e.getKey(), e.getValue());
            cpu.append(String.format(" cpu_%s_s=%.2f us_per_doc_%s=%.1f", e.getKey(), used, e.getKey(),
                    used * 1e6 / Math.max(1, endCount - firstCount)));
        }
        System.out.println("cpu:" + cpu);
        if (stored < logs) {
            System.out.printf("ERROR: only %d of %d documents reached Elasticsearch%n", stored, logs);
            System.exit(1);
        }
    }

    /**
     * CPU seconds used so far by this JVM and by the processes named in {@code -Dbench.pids=name:pid,...}
     * (the broker, Elasticsearch), from /proc.
     */
    static Map<String, Double> cpuSeconds() throws Exception {
        Map<String, Double> out = new LinkedHashMap<>();
        out.put("job", ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory
                .getOperatingSystemMXBean()).getProcessCpuTime() / 1e9);
        for (String named : System.getProperty("bench.pids", "").split(",")) {
            if (named.isBlank()) {
                continue;
            }
            String[] np = named.split(":");
            String stat = Files.readString(Path.of("/proc", np[1], "stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            out.put(np[0], (Long.parseLong(f[11]) + Long.parseLong(f[12])) / 100.0); // utime, stime in ticks
        }
        return out;
    }

    static void latency(String bootstrap, String es, int rate, int seconds, String run) throws Exception {
        String p = "lat" + run + ".";
        JobOptions o = options(bootstrap, es, p);
        List<CompiledPattern> patterns = patterns(p);
        Connectors.createTopics(o, Set.of(p + "critical_logs", p + "node_failure"));
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(2);
        LogPipelineJob.build(env, o, patterns);
        JobClient job = env.executeAsync("bench latency");
        Map<String, Long> burstAppended = Collections.synchronizedMap(new HashMap<>());
        Map<String, Long> lastHeartbeat = Collections.synchronizedMap(new HashMap<>());
        awaitRunning(bootstrap, o);
        Random random = new Random(7);
        // The alerts are watched from a thread of their own with a blocking poll (it returns as soon as an
        // alert is there): polling from the load loop kept a core busy that the job needs.
        Map<String, Long> alertSeen = new java.util.concurrent.ConcurrentHashMap<>();
        java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
        Thread watcher = new Thread(() -> {
            try (KafkaConsumer<byte[], byte[]> alerts = new KafkaConsumer<>(Map.of("bootstrap.servers", bootstrap,
                    "auto.offset.reset", "earliest", "enable.auto.commit", "false"),
                    new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
                List<TopicPartition> parts = new ArrayList<>();
                for (String t : List.of(p + "critical_logs", p + "node_failure")) {
                    alerts.partitionsFor(t).forEach(pi -> parts.add(new TopicPartition(t, pi.partition())));
                }
                alerts.assign(parts);
                while (!stop.get()) {
                    poll(alerts, alertSeen, Duration.ofMillis(100));
                }
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }, "alert-watcher");
        watcher.start();
        try (KafkaProducer<byte[], byte[]> producer = producer(bootstrap)) {
            long start = System.currentTimeMillis();
            long sent = 0;
            int bursts = 0;
            String[] nodes = {"lat-node-a", "lat-node-b", "lat-node-c"};
            // The first 20 s at full rate are not measured: the JIT compiles the high-volume path under load, as
            // in a job that has been running for a while (with 5 s, the first seconds of some runs still saw
            // stalls of 1 to 6 s while it compiled on the one core).
            long warmMillis = Long.getLong("bench.latencyWarmupMs", 20_000);
            while (System.currentTimeMillis() - start < warmMillis + seconds * 1000L) {
                long now = System.currentTimeMillis();
                long due = (now - start) * rate / 1000;
                for (; sent < due; sent++) {
                    Map<String, Object> rec = record(random, (int) sent);
                    if ("ERROR".equals(rec.get("log_level"))) {
                        rec.put("log_level", "WARN"); // background noise must not make bursts of its own
                    }
                    producer.send(raw(o.topics().raw(), "lat." + rec.get("service_name"), now, "l" + sent + "#0", msgpack(rec)));
                }
                if (now - start >= bursts * 100L) {
                    String svc = "burst-" + bursts++;
                    for (int k = 0; k < 5; k++) {
                        Map<String, Object> rec = new LinkedHashMap<>(Map.of("service_name", svc, "node_id", svc + "-1",
                                "message_type", "LOG", "log_level", "ERROR", "message", "failure " + k));
                        producer.send(raw(o.topics().raw(), "lat." + svc, System.currentTimeMillis(), svc + "#" + k, msgpack(rec)));
                    }
                    if (now - start >= warmMillis) {
                        burstAppended.put(svc, System.currentTimeMillis());
                    }
                }
                for (String node : nodes) {
                    if (now - lastHeartbeat.getOrDefault(node, 0L) >= 1000) {
                        Map<String, Object> hb = new LinkedHashMap<>(Map.of("service_name", "lat", "node_id", node,
                                "message_type", "HEARTBEAT", "status", "UP"));
                        producer.send(raw(o.topics().raw(), "lat.hb", now, node + now + "#0", msgpack(hb)));
                        lastHeartbeat.put(node, System.currentTimeMillis());
                    }
                }
                Thread.sleep(2);
            }
            producer.flush();
            System.err.printf("appended %d events and %d bursts in %d s; heartbeats stop now%n", sent, bursts, seconds);
            Thread.sleep(40_000);
            stop.set(true);
            watcher.join();
            List<Long> latencies = new ArrayList<>();
            for (Map.Entry<String, Long> b : burstAppended.entrySet()) {
                Long seen = alertSeen.get("error-burst|" + b.getKey());
                latencies.add(seen == null ? Long.MAX_VALUE : seen - b.getValue());
            }
            burstAppended.entrySet().stream().sorted(Map.Entry.comparingByValue()).forEach(b -> {
                Long seen = alertSeen.get("error-burst|" + b.getKey());
                if (seen == null || seen - b.getValue() > 1000) {
                    System.err.printf("slow burst %s appended %tT.%<tL, alert after %s ms%n", b.getKey(), b.getValue(),
                            seen == null ? "never" : Long.toString(seen - b.getValue()));
                }
            });
            Collections.sort(latencies);
            long missing = latencies.stream().filter(l -> l == Long.MAX_VALUE).count();
            System.out.printf("bursts=%d alerts_missing=%d alert_latency_ms_p50=%d alert_latency_ms_p99=%d%n",
                    latencies.size(), missing, latencies.get(latencies.size() / 2),
                    latencies.get((int) Math.ceil(latencies.size() * 0.99) - 1));
            for (String node : nodes) {
                Long seen = alertSeen.get("heartbeat-timeout|" + node);
                System.out.printf("heartbeat_timeout node=%s after_last_heartbeat_ms=%s window_ms=15000%n", node,
                        seen == null ? "none" : Long.toString(seen - lastHeartbeat.get(node)));
            }
        } finally {
            job.cancel().get();
        }
    }

    /**
     * Sends probe events until one comes out on all_logs, so the measurement starts with the job running
     * and warmed up, not while it is still being deployed.
     */
    static void awaitRunning(String bootstrap, JobOptions o) throws Exception {
        try (KafkaProducer<byte[], byte[]> producer = producer(bootstrap);
             KafkaConsumer<byte[], byte[]> all = new KafkaConsumer<>(Map.of("bootstrap.servers", bootstrap,
                     "auto.offset.reset", "earliest", "enable.auto.commit", "false"),
                     new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> parts = new ArrayList<>();
            all.partitionsFor(o.topics().all()).forEach(pi -> parts.add(new TopicPartition(o.topics().all(), pi.partition())));
            all.assign(parts);
            long deadline = System.currentTimeMillis() + 180_000;
            int seen = 0;
            for (int i = 0; seen < 50 && System.currentTimeMillis() < deadline; i++) {
                Map<String, Object> probe = new LinkedHashMap<>(Map.of("service_name", "probe", "node_id", "probe-1",
                        "message_type", "LOG", "log_level", "INFO", "message", "probe " + i));
                producer.send(raw(o.topics().raw(), "lat.probe", System.currentTimeMillis(), "probe" + i + "#0", msgpack(probe)));
                producer.flush();
                seen += all.poll(Duration.ofMillis(100)).count();
            }
            System.err.println("job is running: " + seen + " probe events came through");
            // And the alert path, compiled by the JIT as in a job that has been running for a while: probe
            // bursts until their alerts come out.
            all.assign(new ArrayList<>(all.partitionsFor(o.topics().critical()).stream()
                    .map(pi -> new TopicPartition(o.topics().critical(), pi.partition())).toList()));
            int alerts = 0;
            for (int b = 0; alerts < 20 && System.currentTimeMillis() < deadline; b++) {
                String svc = "probe-burst-" + b;
                for (int k = 0; k < 5; k++) {
                    Map<String, Object> rec = new LinkedHashMap<>(Map.of("service_name", svc, "node_id", svc,
                            "message_type", "LOG", "log_level", "ERROR", "message", "probe failure " + k));
                    producer.send(raw(o.topics().raw(), "lat.probe", System.currentTimeMillis(), svc + "#" + k, msgpack(rec)));
                }
                producer.flush();
                for (ConsumerRecord<byte[], byte[]> r : all.poll(Duration.ofMillis(100))) {
                    alerts += JSON.readTree(r.value()).at("/rule/name").asText("").equals("error-burst") ? 1 : 0;
                }
            }
            System.err.println("alert path is warm: " + alerts + " probe alerts came through");
        }
    }

    private static void poll(KafkaConsumer<byte[], byte[]> c, Map<String, Long> seen, Duration d) throws Exception {
        for (ConsumerRecord<byte[], byte[]> r : c.poll(d)) {
            JsonNode doc = JSON.readTree(r.value());
            String rule = doc.at("/rule/name").asText("");
            if (rule.equals("heartbeat-timeout")) {
                // The last one counts: a lagging job can see gaps (and alert) before the real silence.
                seen.put(rule + "|" + doc.at("/alert/key/value").asText(), System.currentTimeMillis());
            } else if (!rule.isEmpty()) {
                seen.putIfAbsent(rule + "|" + doc.at("/alert/key/value").asText(), System.currentTimeMillis());
            }
        }
    }
}
