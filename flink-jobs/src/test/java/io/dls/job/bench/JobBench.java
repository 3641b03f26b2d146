package io.dls.job.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.dls.contracts.IndexNames;
import io.dls.job.Connectors;
import io.dls.job.JobOptions;
import io.dls.job.LogPipelineJob;
import io.dls.job.index.Document;
import io.dls.job.index.IndexJob;
import io.dls.job.index.StoredDocument;
import io.dls.job.patterns.CompiledPattern;
import io.dls.job.support.ShippedPatterns;
import io.dls.job.LogPipeline;
import io.dls.job.route.Output;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
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

import java.io.BufferedOutputStream;
import java.io.OutputStream;
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
import java.util.concurrent.TimeUnit;

/**
 * Driver of bench/job.sh (the Kafka broker and the Elasticsearch node run as processes of their own; every
 * mode runs in a JVM of its own). A round uses one topic prefix P for all its modes.
 * <ul>
 *   <li>{@code pipeline BOOTSTRAP P N WARMUP BASE_MS}: fills P.raw with WARMUP and then N realistic records
 *   (alternately on its two partitions; the warm-up ones dated a day before BASE_MS), runs the pipeline job
 *   (local MiniCluster, parallelism 2, the shipped patterns, Kafka only) and prints
 *   {@code pipeline_events=.. pipeline_seconds=.. pipeline_rate=..}: the events reaching P.all_logs per second
 *   from the first of the N to 99 % of them, from the topic's end offsets, and each process's CPU in that
 *   window.</li>
 *   <li>{@code copy BOOTSTRAP P N WARMUP}: the baseline of {@code pipeline}: one KafkaConsumer and one
 *   KafkaProducer (the settings of the job's events sink: lz4, linger 50 ms, batch 256 KiB, acks=all,
 *   idempotent) copy every record of P.raw, as it is and to the same partition, to P.copy (two partitions);
 *   measured the same way ({@code copy_events=.. copy_seconds=.. copy_rate=..}).</li>
 *   <li>{@code passthrough BOOTSTRAP P N WARMUP}: Flink's floor under {@code pipeline}: the job's own Kafka
 *   source and events sink with nothing between them, parallelism 2, copying P.raw to P.passthrough; measured the
 *   same way ({@code passthrough_events=.. passthrough_seconds=.. passthrough_rate=..}).</li>
 *   <li>{@code index BOOTSTRAP ES_URL P BASE_MS OUT_DIR}: reads P.all_logs as the pipeline left it, writes the
 *   documents of the measured records (BASE_MS's day) as _bulk files of 1,000 into OUT_DIR for the baseline
 *   (the exact bytes the index job sends, {@link StoredDocument}, into a logs-bulk index), then runs the index
 *   job (parallelism 2) over P.all_logs and P.alerts: the warm-up documents first, into the day before's index,
 *   deleted once complete; prints {@code index_docs=.. index_seconds=.. index_rate=..}, the measured documents
 *   indexed per second from the first to 99 % of them (Elasticsearch's indexing statistics).</li>
 *   <li>{@code index-follow BOOTSTRAP ES_URL P}: creates P's topics, runs the index job until killed (for
 *   {@code latency}; ES_URL may be a dead port).</li>
 *   <li>{@code latency BOOTSTRAP P RATE SECONDS}: runs the pipeline job, appends RATE events/s for SECONDS with
 *   an error burst every 100 ms on its own service, and prints the p50/p99 time from appending a burst's fifth
 *   error to its alert on critical_logs; then stops three nodes' heartbeats and prints how long after the
 *   15 s window their timeout alerts arrived.</li>
 * </ul>
 */
public final class JobBench {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String[] LEVELS = {"INFO", "INFO", "INFO", "INFO", "DEBUG", "WARN", "ERROR"};
    private static final String[] SERVICES = {"inventory", "order", "payment", "shipping"};
    private static final int PARTITIONS = 2;

    private JobBench() {
    }

    public static void main(String[] args) throws Exception {
        switch (args[0]) {
            case "pipeline" -> pipeline(args[1], args[2], Integer.parseInt(args[3]), Integer.parseInt(args[4]),
                    Long.parseLong(args[5]));
            case "copy" -> copy(args[1], args[2], Integer.parseInt(args[3]), Integer.parseInt(args[4]));
            case "passthrough" -> passthrough(args[1], args[2], Integer.parseInt(args[3]), Integer.parseInt(args[4]));
            case "index" -> index(args[1], args[2], args[3], Long.parseLong(args[4]), Path.of(args[5]));
            case "index-follow" -> indexFollow(args[1], args[2], args[3]);
            case "latency" -> latency(args[1], args[2], Integer.parseInt(args[3]), Integer.parseInt(args[4]));
            default -> throw new IllegalArgumentException("mode: pipeline | copy | passthrough | index | index-follow | latency");
        }
        System.exit(0);
    }

    /** The Elasticsearch URL of steps without Elasticsearch (the pipeline job never touches it): a closed port. */
    static final String NO_ELASTICSEARCH = "http://127.0.0.1:1";

    /** The options both jobs get: this round's topics, two partitions, the bench's checkpoint interval. */
    static JobOptions options(String bootstrap, String es, String p) {
        return options(bootstrap, es, p, p + "raw");
    }

    /** The same, reading {@code raw} (several jobs, each with topics of its own, reading one raw topic). */
    static JobOptions options(String bootstrap, String es, String p, String raw) {
        return CommandLine.populateCommand(new JobOptions(), "--kafka-bootstrap", bootstrap, "--es-hosts", es,
                "--patterns", "../alert-patterns", "--topic-raw", raw, "--topic-all", p + "all_logs",
                "--topic-critical", p + "critical_logs", "--topic-node-failure", p + "node_failure",
                "--topic-alerts", p + "alerts", "--topic-dead-letter", p + "dead_letter",
                "--topic-invalid", p + "invalid", "--group-id", p + "group", "--index-group-id", p + "index",
                "--starting-offsets", "earliest",
                "--checkpoint-interval", System.getProperty("bench.checkpointMs", "5000"),
                "--topic-partitions", Integer.toString(PARTITIONS),
                "--es-bulk-actions", System.getProperty("bench.esBulkActions", "1000"), "--es-bulk-interval", "1000",
                "--es-parallelism", System.getProperty("bench.esParallelism", "0"));
    }

    /** The shipped patterns, aimed at this run's topics. */
    static List<CompiledPattern> patterns(String p) throws Exception {
        Path dir = ShippedPatterns.copy(Files.createTempDirectory("bench-patterns"), p, null);
        return LogPipelineJob.compilePatterns(CommandLine.populateCommand(new JobOptions(), "--patterns", dir.toString()));
    }

    static Map<String, Object> record(Random r, int i) {
        return record(r, i, SERVICES);
    }

    static Map<String, Object> record(Random r, int i, String[] services) {
        Map<String, Object> m = new LinkedHashMap<>();
        String service = services[i % services.length];
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

    /**
     * One packer per thread, cleared for each record: a new one allocates an 8 KiB buffer, and the load generator
     * spent about half of its CPU on that (JFR), enough to fall behind the latency run's rate on a busy machine.
     */
    private static final ThreadLocal<MessageBufferPacker> PACKER =
            ThreadLocal.withInitial(MessagePack::newDefaultBufferPacker);

    static byte[] msgpack(Map<String, Object> m) throws Exception {
        MessageBufferPacker p = PACKER.get();
        p.clear();
        p.packMapHeader(m.size());
        for (Map.Entry<String, Object> e : m.entrySet()) {
            p.packString(e.getKey()).packString(String.valueOf(e.getValue()));
        }
        return p.toByteArray();
    }

    /** The load generator's producer. */
    static KafkaProducer<byte[], byte[]> producer(String bootstrap) {
        return new KafkaProducer<>(Map.of("bootstrap.servers", bootstrap, "acks", "all", "linger.ms", "10",
                "batch.size", "262144", "compression.type", "lz4"), new ByteArraySerializer(), new ByteArraySerializer());
    }

    /**
     * The settings the pipeline job's events sink runs with (Connectors.kafkaSink: lz4, linger 50 ms, batches of
     * 256 KiB; acks=all and idempotence are the client's defaults there, spelled out here).
     */
    static KafkaProducer<byte[], byte[]> eventsSinkProducer(String bootstrap) {
        return new KafkaProducer<>(Map.of("bootstrap.servers", bootstrap, "acks", "all", "enable.idempotence", "true",
                "linger.ms", "50", "batch.size", "262144", "compression.type", "lz4"),
                new ByteArraySerializer(), new ByteArraySerializer());
    }

    static ProducerRecord<byte[], byte[]> raw(String topic, Integer partition, String tag, long millis, String chunk,
                                              byte[] value) {
        long s = millis / 1000;
        int ns = (int) (millis % 1000) * 1_000_000;
        byte[] time = {(byte) (s >>> 24), (byte) (s >>> 16), (byte) (s >>> 8), (byte) s,
                (byte) (ns >>> 24), (byte) (ns >>> 16), (byte) (ns >>> 8), (byte) ns};
        return new ProducerRecord<>(topic, partition, millis, tag.getBytes(StandardCharsets.UTF_8), value,
                List.of(new RecordHeader("fluent.time", time),
                        new RecordHeader("fluent.chunk", chunk.getBytes(StandardCharsets.UTF_8))));
    }

    static Admin admin(String bootstrap) {
        return Admin.create(Map.of("bootstrap.servers", bootstrap));
    }

    /** The sum of a topic's end offsets: records written so far (no transactions here, so no markers). */
    static long endOffsets(Admin admin, String topic) throws Exception {
        Map<TopicPartition, OffsetSpec> specs = new HashMap<>();
        for (int i = 0; i < PARTITIONS; i++) {
            specs.put(new TopicPartition(topic, i), OffsetSpec.latest());
        }
        long sum = 0;
        for (var info : admin.listOffsets(specs).all().get(30, TimeUnit.SECONDS).values()) {
            sum += info.offset();
        }
        return sum;
    }

    /** A measured window: from the first count past the warm-up to 99 % of the measured records. */
    record Window(long count, double seconds, Map<String, Double> cpuFirst, Map<String, Double> cpuEnd) {
        double rate() {
            return count / seconds;
        }

        /** The step's line ({@code <step>_events=.. <step>_seconds=.. <step>_rate=..}) and its CPU line. */
        void report(String step) {
            System.out.printf("%s_events=%d %s_seconds=%.2f %s_rate=%.0f%n", step, count, step, seconds, step, rate());
            System.out.println(cpu("event"));
        }

        /** CPU seconds and µs per record of each process in the window. */
        String cpu(String unit) {
            StringBuilder cpu = new StringBuilder("cpu:");
            for (Map.Entry<String, Double> e : cpuEnd.entrySet()) {
                double used = e.getValue() - cpuFirst.getOrDefault(e.getKey(), e.getValue());
                cpu.append(String.format(" cpu_%s_s=%.2f us_per_%s_%s=%.1f", e.getKey(), used, unit, e.getKey(),
                        used * 1e6 / Math.max(1, count)));
            }
            return cpu.toString();
        }
    }

    /** {@link #measure} of the records reaching a topic (its end offsets, every 25 ms). */
    static Window measureTopic(String bootstrap, String topic, long warm, long n, String self) throws Exception {
        try (Admin admin = admin(bootstrap)) {
            return measure(() -> endOffsets(admin, topic), warm, n, 25, self, Duration.ofMinutes(10));
        }
    }

    /** Something counted while it grows: end offsets of a topic, documents in an index. */
    @FunctionalInterface
    interface Counter {
        long get() throws Exception;
    }

    /**
     * Polls {@code counter} every {@code pollMs} until it reaches {@code warm + n}. The window starts at the first
     * poll past {@code warm} and ends at the first at or past {@code warm + 0.99 n}: once the input has run out the
     * last partial batches wait for a linger or flush interval, which a stream that goes on never does.
     */
    static Window measure(Counter counter, long warm, long n, long pollMs, String self, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        long first = 0;
        long firstCount = 0;
        long end = 0;
        long endCount = 0;
        Map<String, Double> cpuFirst = Map.of();
        Map<String, Double> cpuEnd = Map.of();
        long count = 0;
        while (count < warm + n && System.nanoTime() < deadline) {
            Thread.sleep(pollMs);
            count = counter.get();
            if (first == 0 && count > warm) {
                first = System.nanoTime();
                firstCount = count;
                cpuFirst = cpuSeconds(self);
            }
            if (end == 0 && count >= warm + n * 0.99) {
                end = System.nanoTime();
                endCount = count;
                cpuEnd = cpuSeconds(self);
            }
        }
        if (end == 0) {
            throw new IllegalStateException("timed out: " + count + " of " + (warm + n));
        }
        System.err.printf("counted %d of %d%n", count, warm + n);
        return new Window(endCount - firstCount, (end - first) / 1e9, cpuFirst, cpuEnd);
    }

    /**
     * CPU seconds used so far by this JVM (named {@code self}), the part of it its JIT compiler threads used
     * ({@code jit}: a fresh JVM running Flink is still compiling a minute into the job, and on two cores that is
     * CPU the job's threads do not get), and by the processes named in {@code -Dbench.pids=name:pid,...} (the
     * broker, Elasticsearch), from /proc.
     */
    static Map<String, Double> cpuSeconds(String self) throws Exception {
        Map<String, Double> out = new LinkedHashMap<>();
        out.put(self, ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory
                .getOperatingSystemMXBean()).getProcessCpuTime() / 1e9);
        double jit = 0;
        try (var tasks = Files.list(Path.of("/proc/self/task"))) {
            for (Path task : tasks.toList()) {
                try {
                    String name = Files.readString(task.resolve("comm")).trim();
                    if (name.startsWith("C1 Compiler") || name.startsWith("C2 Compiler")) {
                        jit += ticks(Files.readString(task.resolve("stat"))) / 100.0;
                    }
                } catch (java.io.IOException gone) {
                    // a compiler thread may end between the listing and the read (HotSpot adds and removes them)
                }
            }
        }
        out.put("jit", jit);
        for (String named : System.getProperty("bench.pids", "").split(",")) {
            if (named.isBlank()) {
                continue;
            }
            String[] np = named.split(":");
            Path stat = Path.of("/proc", np[1], "stat");
            if (!Files.exists(stat)) {
                continue;
            }
            out.put(np[0], ticks(Files.readString(stat)) / 100.0);
        }
        return out;
    }

    /** utime + stime of a /proc stat line, in clock ticks (100 a second). */
    private static long ticks(String stat) {
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(f[11]) + Long.parseLong(f[12]);
    }

    static void pipeline(String bootstrap, String p, int n, int warmup, long base) throws Exception {
        JobOptions o = options(bootstrap, NO_ELASTICSEARCH, p);
        List<CompiledPattern> patterns = patterns(p);
        Connectors.createTopics(o, Set.of());
        Random random = new Random(42);
        System.err.printf("filling %s with %d warm-up and %d measured records%n", o.topics().raw(), warmup, n);
        try (KafkaProducer<byte[], byte[]> producer = producer(bootstrap)) {
            for (int i = 0; i < warmup + n; i++) {
                Map<String, Object> rec = record(random, i);
                String tag = p + rec.get("service_name");
                String chunk = "c" + p + (i / 1000) + "#" + (i % 1000);
                // Warm-up records a day earlier: in the index phase their documents go to an index of their own,
                // and the measured ones start an empty index, as the baseline's do.
                long millis = (i < warmup ? base - 86_400_000L : base) + i / 50;
                // Both partitions alike: keyed by tag, the four services' records would split 4:0, 3:1 or 2:2
                // depending on the run's topic prefix, and with them the work of the two source subtasks.
                producer.send(raw(o.topics().raw(), i % PARTITIONS, tag, millis, chunk, msgpack(rec)));
            }
            producer.flush();
        }
        warmUp(p, prefix -> {
            JobOptions warm = options(bootstrap, NO_ELASTICSEARCH, prefix, o.topics().raw());
            Connectors.createTopics(warm, Set.of());
            run(pipelineJob(warm, patterns(prefix)), bootstrap, warm.topics().all(), 0, (long) warmup + n);
        });
        run(pipelineJob(o, patterns), bootstrap, o.topics().all(), warmup, n).report("pipeline");
    }

    private static StreamExecutionEnvironment pipelineJob(JobOptions o, List<CompiledPattern> patterns) {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(2);
        LogPipelineJob.build(env, o, patterns);
        return env;
    }

    /** One warm-up pass of a step, writing into topics with the given prefix. */
    @FunctionalInterface
    private interface WarmPass {
        void run(String prefix) throws Exception;
    }

    /**
     * {@code -Dbench.warmPasses=K}: each of pipeline, copy and passthrough first makes K passes over the same records
     * into topics of their own (prefix {@code warm<k>-<p>}), discarded, in the JVM that then makes the measured pass,
     * so that the JIT has compiled the step's code, as in a TaskManager or a copier that has been running for a while.
     * (A fresh JVM running Flink is still compiling a minute into the job, and on two cores that CPU is taken from the
     * job's threads.) Every step gets the same passes.
     */
    private static void warmUp(String p, WarmPass pass) throws Exception {
        int passes = Integer.getInteger("bench.warmPasses", 0);
        for (int k = 1; k <= passes; k++) {
            System.err.printf("warm-up pass %d of %d%n", k, passes);
            pass.run("warm" + k + "-" + p);
        }
    }

    /** Runs a job until {@code topic} holds {@code warm + n} records ({@link #measureTopic}), then cancels it. */
    private static Window run(StreamExecutionEnvironment env, String bootstrap, String topic, long warm, long n)
            throws Exception {
        JobClient job = env.executeAsync("bench into " + topic);
        try {
            return measureTopic(bootstrap, topic, warm, n, "job");
        } finally {
            job.cancel().get();
        }
    }

    static void copy(String bootstrap, String p, int n, int warmup) throws Exception {
        String from = p + "raw";
        String to = p + "copy";
        long total = (long) warmup + n;
        warmUp(p, prefix -> {
            createTopic(bootstrap, prefix + "copy");
            copyAll(bootstrap, from, prefix + "copy", total);
        });
        createTopic(bootstrap, to);
        Thread copier = new Thread(() -> copyAll(bootstrap, from, to, total), "copier");
        copier.start();
        Window w = measureTopic(bootstrap, to, warmup, n, "copy");
        copier.join();
        w.report("copy");
    }

    private static void createTopic(String bootstrap, String topic) throws Exception {
        try (Admin admin = admin(bootstrap)) {
            admin.createTopics(List.of(new NewTopic(topic, PARTITIONS, (short) -1))).all().get(60, TimeUnit.SECONDS);
        }
    }

    /**
     * The copy itself: every record of {@code from}, as it is and to the same partition, to {@code to}. One consumer
     * reads both partitions, and one of them runs out first (their records differ in size); from then on a fetch can
     * find nothing new and wait {@code fetch.max.wait.ms} at the broker (500 ms by default) while the other partition
     * still has records. A stream that goes on never has that, nor do the Flink steps (a reader per partition); with
     * the default the copy of a 3.3-million-record topic ran at 66,000 to 76,000 records/s over its last 300,000, and
     * at 484,160 with 10 ms, so the copy waits 10 ms.
     */
    private static void copyAll(String bootstrap, String from, String to, long total) {
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(Map.of("bootstrap.servers", bootstrap,
                "auto.offset.reset", "earliest", "enable.auto.commit", "false", "fetch.max.wait.ms", "10"),
                new ByteArrayDeserializer(), new ByteArrayDeserializer());
             KafkaProducer<byte[], byte[]> producer = eventsSinkProducer(bootstrap)) {
            List<TopicPartition> parts = new ArrayList<>();
            for (int i = 0; i < PARTITIONS; i++) {
                parts.add(new TopicPartition(from, i));
            }
            consumer.assign(parts);
            consumer.seekToBeginning(parts);
            long copied = 0;
            while (copied < total) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(100))) {
                    producer.send(new ProducerRecord<>(to, r.partition(), r.timestamp(), r.key(), r.value(), r.headers()));
                    copied++;
                }
            }
            producer.flush();
        } catch (Exception e) {
            e.printStackTrace();
            System.exit(1);
        }
    }

    /**
     * Flink's own floor for the pipeline job: the job's Kafka source and its events sink (Connectors) on the job's
     * environment settings (LogPipelineJob.configure: checkpoints, object reuse) with nothing between them, each
     * raw record's key and value handed on as they are, parallelism 2, over the same records; measured like the
     * others.
     */
    static void passthrough(String bootstrap, String p, int n, int warmup) throws Exception {
        JobOptions o = options(bootstrap, NO_ELASTICSEARCH, p);
        String to = p + "passthrough";
        warmUp(p, prefix -> {
            JobOptions warm = options(bootstrap, NO_ELASTICSEARCH, prefix, o.topics().raw());
            createTopic(bootstrap, prefix + "passthrough");
            run(passthroughJob(warm, prefix + "passthrough"), bootstrap, prefix + "passthrough", 0, (long) warmup + n);
        });
        createTopic(bootstrap, to);
        run(passthroughJob(o, to), bootstrap, to, warmup, n).report("passthrough");
    }

    private static StreamExecutionEnvironment passthroughJob(JobOptions o, String to) {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(2);
        LogPipelineJob.configure(env, o);
        env.fromSource(Connectors.source(o, new AsOutput(to)), WatermarkStrategy.noWatermarks(), "kafka: " + o.topics().raw())
                .sinkTo(Connectors.kafkaSink(o, LogPipeline.Sinks.EVENTS));
        return env;
    }

    /** A raw record as it is, for the events sink: its tag as the key, its value untouched. */
    private record AsOutput(String topic) implements KafkaRecordDeserializationSchema<Output> {
        @Override
        public void deserialize(ConsumerRecord<byte[], byte[]> r, org.apache.flink.util.Collector<Output> out) {
            out.collect(new Output(topic, r.key() == null ? null : new String(r.key(), StandardCharsets.UTF_8), r.value()));
        }

        @Override
        public TypeInformation<Output> getProducedType() {
            return TypeInformation.of(Output.class);
        }
    }

    /**
     * Documents indexed into an index so far, from the indexing statistics: unlike _count it needs no refresh,
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

    static void index(String bootstrap, String es, String p, long base, Path out) throws Exception {
        JobOptions o = options(bootstrap, es, p);
        String measuredIndex = IndexNames.logs(base);
        String warmupIndex = IndexNames.logs(base - 86_400_000L);
        String bulkIndex = "logs-bulk" + p.replace(".", "");
        // The baseline's documents: P.all_logs as the pipeline job wrote it, through the index job's own
        // transformation (fields_kv added, heartbeats left out), so both sides send the same bytes.
        Files.createDirectories(out);
        long warmupDocs = 0;
        long docs = 0;
        int files = 0;
        OutputStream bulk = null;
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(Map.of("bootstrap.servers", bootstrap,
                "auto.offset.reset", "earliest", "enable.auto.commit", "false", "max.poll.records", "5000"),
                new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> parts = new ArrayList<>();
            for (int i = 0; i < PARTITIONS; i++) {
                parts.add(new TopicPartition(o.topicAll(), i));
            }
            consumer.assign(parts);
            consumer.seekToBeginning(parts);
            Map<TopicPartition, Long> ends = consumer.endOffsets(parts);
            while (parts.stream().anyMatch(tp -> consumer.position(tp) < ends.get(tp))) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    if (!(StoredDocument.of(r.value(), false) instanceof StoredDocument.Store s)) {
                        continue;
                    }
                    Document d = s.document();
                    if (d.index.equals(warmupIndex)) {
                        warmupDocs++;
                    } else if (d.index.equals(measuredIndex)) {
                        if (docs % 1000 == 0) {
                            if (bulk != null) {
                                bulk.close();
                            }
                            bulk = new BufferedOutputStream(Files.newOutputStream(out.resolve(String.format("bulk-%05d.ndjson", files++))));
                        }
                        bulk.write(("{\"index\":{\"_index\":\"" + bulkIndex + "\",\"_id\":\"" + d.id + "\"}}\n")
                                .getBytes(StandardCharsets.UTF_8));
                        bulk.write(d.source);
                        bulk.write('\n');
                        docs++;
                    } else {
                        throw new IllegalStateException("a document for " + d.index + ", expected " + warmupIndex
                                + " or " + measuredIndex);
                    }
                }
            }
        }
        if (bulk != null) {
            bulk.close();
        }
        System.err.printf("%s: %d warm-up and %d measured documents%n", o.topicAll(), warmupDocs, docs);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(2);
        IndexJob.build(env, o);
        HttpClient http = HttpClient.newHttpClient();
        // Indexing statistics are cumulative: earlier runs on the same node may have added to them.
        long before = esIndexed(http, es, measuredIndex);
        JobClient job = env.executeAsync("bench index");
        long deadline = System.nanoTime() + Duration.ofMinutes(10).toNanos();
        if (warmupDocs > 0) {
            while (esIndexed(http, es, warmupIndex) < warmupDocs && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
            // Its merges would otherwise run on Elasticsearch's core during the measured window.
            http.send(HttpRequest.newBuilder(URI.create(es + "/" + warmupIndex)).DELETE().build(),
                    HttpResponse.BodyHandlers.discarding());
        }
        Window w = measure(() -> esIndexed(http, es, measuredIndex) - before, 0, docs, 100, "job", Duration.ofMinutes(10));
        job.cancel().get();
        long stored = esCount(http, es, p);
        System.err.printf("documents stored %d of %d%n", stored, docs);
        System.out.printf("index_docs=%d index_seconds=%.2f index_rate=%.0f bulk_files=%d bulk_index=%s%n",
                w.count(), w.seconds(), w.rate(), files, bulkIndex);
        System.out.println(w.cpu("doc"));
        if (stored < docs) {
            System.out.printf("ERROR: only %d of %d documents reached Elasticsearch%n", stored, docs);
            System.exit(1);
        }
    }

    static void indexFollow(String bootstrap, String es, String p) throws Exception {
        JobOptions o = options(bootstrap, es, p);
        Connectors.createTopics(o, Set.of());
        int restPort;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            restPort = s.getLocalPort();
        }
        org.apache.flink.configuration.Configuration conf = new org.apache.flink.configuration.Configuration();
        conf.set(org.apache.flink.configuration.RestOptions.BIND_PORT, Integer.toString(restPort));
        conf.set(org.apache.flink.configuration.RestOptions.PORT, restPort);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        env.setParallelism(2);
        IndexJob.build(env, o);
        JobClient job = env.executeAsync("bench index (follows the latency run)");
        System.out.println("index job submitted: " + job.getJobID());
        // Runs until the script stops this JVM; says every few seconds whether the job ever failed (restarted).
        HttpClient http = HttpClient.newHttpClient();
        URI exceptions = URI.create("http://127.0.0.1:" + restPort + "/jobs/" + job.getJobID() + "/exceptions");
        long start = System.currentTimeMillis();
        while (true) {
            Thread.sleep(5000);
            String failures = "?";
            try {
                HttpResponse<String> res = http.send(HttpRequest.newBuilder(exceptions).timeout(Duration.ofSeconds(5)).build(),
                        HttpResponse.BodyHandlers.ofString());
                failures = Integer.toString(JSON.readTree(res.body()).at("/exceptionHistory/entries").size());
            } catch (Exception e) {
                failures = "unknown (" + e.getClass().getSimpleName() + ")";
            }
            System.out.printf("index_job t=%ds status=%s failures=%s%n", (System.currentTimeMillis() - start) / 1000,
                    job.getJobStatus().get(), failures);
        }
    }

    /** One error burst of the latency run: its records (appended under {@code tag}) and the alert that answers it. */
    record Burst(String id, String tag, List<Map<String, Object>> records, String alert) {
    }

    /** Something to wait for once the job is submitted (its tasks deployed), or to fail on. */
    @FunctionalInterface
    interface Started {
        void await(JobClient job) throws Exception;
    }

    static void latency(String bootstrap, String p, int rate, int seconds) throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(2);
        latency(bootstrap, options(bootstrap, NO_ELASTICSEARCH, p), patterns(p), env, job -> {
        }, rate, seconds, SERVICES, false, b -> {
            String svc = "burst-" + b;
            List<Map<String, Object>> recs = new ArrayList<>();
            for (int k = 0; k < 5; k++) {
                recs.add(new LinkedHashMap<>(Map.of("service_name", svc, "node_id", svc + "-1",
                        "message_type", "LOG", "log_level", "ERROR", "message", "failure " + k)));
            }
            return new Burst(svc, "lat." + svc, recs, "error-burst|" + svc);
        });
    }

    /**
     * The latency run: the pipeline job with {@code patterns} on {@code env}; the background load over
     * {@code services} (its ERRORs turned into WARNs unless {@code backgroundErrors}); every 100 ms the burst
     * {@code bursts} gives for its number, timed from appending its last record to its alert.
     */
    static void latency(String bootstrap, JobOptions o, List<CompiledPattern> patterns, StreamExecutionEnvironment env,
                        Started started, int rate, int seconds, String[] services, boolean backgroundErrors,
                        java.util.function.IntFunction<Burst> bursts) throws Exception {
        Connectors.createTopics(o, Set.of());
        LogPipelineJob.build(env, o, patterns);
        JobClient job = env.executeAsync("bench latency");
        started.await(job);
        Map<String, Long> burstAppended = Collections.synchronizedMap(new HashMap<>());
        Map<String, String> burstAlert = new java.util.concurrent.ConcurrentHashMap<>();
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
                for (String t : List.of(o.topics().critical(), o.topics().nodeFailure())) {
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
            int burstCount = 0;
            String[] nodes = {"lat-node-a", "lat-node-b", "lat-node-c"};
            // The first 20 s at full rate are not measured: the JIT compiles the high-volume path under load, as
            // in a job that has been running for a while (with 5 s, the first seconds of some runs still saw
            // stalls of 1 to 6 s while it compiled on the one core).
            long warmMillis = Long.getLong("bench.latencyWarmupMs", 20_000);
            // Keyed by tag, as the receiver writes: the same tags in every latency run (not the run's topic
            // prefix), so that every run splits the load between the two partitions alike. The split is
            // uneven (four services' tags on two partitions): one source subtask carries more than half.
            while (System.currentTimeMillis() - start < warmMillis + seconds * 1000L) {
                long now = System.currentTimeMillis();
                long due = (now - start) * rate / 1000;
                for (; sent < due; sent++) {
                    Map<String, Object> rec = record(random, (int) sent, services);
                    if (!backgroundErrors && "ERROR".equals(rec.get("log_level"))) {
                        rec.put("log_level", "WARN"); // background noise must not make bursts of its own
                    }
                    producer.send(raw(o.topics().raw(), null, "lat." + rec.get("service_name"), now, "l" + sent + "#0", msgpack(rec)));
                }
                if (now - start >= burstCount * 100L) {
                    Burst burst = bursts.apply(burstCount++);
                    for (int k = 0; k < burst.records().size(); k++) {
                        producer.send(raw(o.topics().raw(), null, burst.tag(), System.currentTimeMillis(),
                                burst.id() + "#" + k, msgpack(burst.records().get(k))));
                    }
                    if (now - start >= warmMillis) {
                        burstAppended.put(burst.id(), System.currentTimeMillis());
                        burstAlert.put(burst.id(), burst.alert());
                    }
                }
                for (String node : nodes) {
                    if (now - lastHeartbeat.getOrDefault(node, 0L) >= 1000) {
                        Map<String, Object> hb = new LinkedHashMap<>(Map.of("service_name", "lat", "node_id", node,
                                "message_type", "HEARTBEAT", "status", "UP"));
                        producer.send(raw(o.topics().raw(), null, "lat.hb", now, node + now + "#0", msgpack(hb)));
                        lastHeartbeat.put(node, System.currentTimeMillis());
                    }
                }
                Thread.sleep(2);
            }
            producer.flush();
            System.err.printf("appended %d events and %d bursts in %d s; heartbeats stop now%n", sent, burstCount, seconds);
            System.out.printf("appended=%d%n", sent);
            Thread.sleep(40_000);
            stop.set(true);
            watcher.join();
            List<Long> latencies = new ArrayList<>();
            for (Map.Entry<String, Long> b : burstAppended.entrySet()) {
                Long seen = alertSeen.get(burstAlert.get(b.getKey()));
                latencies.add(seen == null ? Long.MAX_VALUE : seen - b.getValue());
            }
            burstAppended.entrySet().stream().sorted(Map.Entry.comparingByValue()).forEach(b -> {
                Long seen = alertSeen.get(burstAlert.get(b.getKey()));
                if (seen == null || seen - b.getValue() > 1000) {
                    System.err.printf("slow burst %s appended %tT.%<tL, alert after %s ms%n", b.getKey(), b.getValue(),
                            seen == null ? "never" : Long.toString(seen - b.getValue()));
                }
            });
            Collections.sort(latencies);
            long missing = latencies.stream().filter(l -> l == Long.MAX_VALUE).count();
            System.out.printf("bursts=%d alerts_missing=%d alert_latency_ms_p50=%d alert_latency_ms_p99=%d alert_latency_ms_max=%s%n",
                    latencies.size(), missing, latencies.get(latencies.size() / 2),
                    latencies.get((int) Math.ceil(latencies.size() * 0.99) - 1),
                    missing > 0 ? "never" : Long.toString(latencies.get(latencies.size() - 1)));
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
                producer.send(raw(o.topics().raw(), null, "lat.probe", System.currentTimeMillis(), "probe" + i + "#0", msgpack(probe)));
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
                    producer.send(raw(o.topics().raw(), null, "lat.probe", System.currentTimeMillis(), svc + "#" + k, msgpack(rec)));
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
