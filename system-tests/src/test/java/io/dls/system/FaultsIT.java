package io.dls.system;

import com.fasterxml.jackson.databind.JsonNode;
import io.dls.contracts.JobNames;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;
import org.komamitsu.fluency.Fluency;
import org.komamitsu.fluency.fluentd.FluencyBuilderForFluentd;
import org.msgpack.core.MessagePack;
import org.msgpack.core.MessageUnpacker;
import org.msgpack.value.Value;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Faults on the real system ({@code ./dls up}: Kafka, Elasticsearch and Flink as processes): while a forward
 * client with acks (Fluency) sends a steady numbered stream, one process at a time is killed or stopped and
 * then restarted with {@code ./dls up}. Each phase has its own tag; at the end every event the client got
 * acknowledged must be in {@code logs.raw} at least once, on {@code all_logs} at least once and in
 * Elasticsearch exactly once. The per-phase figures go to target/reliability-faults.md (RELIABILITY.md). The
 * stack is the one the system ITs share ({@link SharedDlsStack}), after {@link DlsIT}'s checks of it as started.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@ExtendWith(SharedDlsStack.class)
@Order(2)
class FaultsIT {
    private static final int RATE = 100; // events per second during each phase
    static DlsStack stack;
    static final List<String> report = new ArrayList<>();

    @BeforeAll
    static void up() {
        stack = SharedDlsStack.get();
        report.add("| fault | what was done | sent | acknowledged | in logs.raw (dup) | on all_logs (dup) | in Elasticsearch (dup) | lost | receiver peak RSS |");
        report.add("|---|---|---|---|---|---|---|---|---|");
    }

    @AfterAll
    static void down() throws Exception {
        Path out = Path.of("target", "reliability-faults.md");
        Files.createDirectories(out.getParent());
        Files.write(out, report);
    }

    @Test
    @Order(1)
    void receiverKilledMidStream() throws Exception {
        phase("receiver-sigkill", "receiver SIGKILLed mid-stream, restarted by ./dls up 3 s later", () -> {
            kill("receiver", "KILL");
            Thread.sleep(3000);
            upAgain();
        });
    }

    @Test
    @Order(2)
    void kafkaStoppedFor20Seconds() throws Exception {
        phase("kafka-stop-20s", "Kafka broker stopped (SIGTERM) for 20 s, restarted by ./dls up", () -> {
            kill("kafka", "TERM");
            Thread.sleep(20_000);
            upAgain();
        });
    }

    @Test
    @Order(3)
    void taskManagerKilled() throws Exception {
        phase("taskmanager-sigkill", "Flink TaskManager SIGKILLed, a new one started by ./dls up", () -> {
            kill("taskmanager", "KILL");
            Thread.sleep(2000);
            upAgain();
        });
    }

    /** How long Elasticsearch stays down: the two minutes, long past every alert window. */
    private static final Duration ES_OUTAGE = Duration.ofMinutes(2);

    @Test
    @Order(4)
    void elasticsearchDownForTwoMinutes() throws Exception {
        String pipeline = stack.runningJobs(JobNames.PIPELINE.flinkName()).get(0);
        String index = stack.runningJobs(JobNames.INDEX.flinkName()).get(0);
        long pipelineRestarts = stack.restarts(pipeline);
        long indexRestarts = stack.restarts(index);
        String burstService = "es-outage-burst-" + System.nanoTime();
        String silentNode = "es-outage-node-" + System.nanoTime();
        long[] alertLatencyMs = {-1, -1};
        phase("elasticsearch-stop-2m", "Elasticsearch stopped (SIGTERM) for 2 min, restarted by ./dls up", () -> {
            long stoppedAt = System.currentTimeMillis();
            kill("elasticsearch", "TERM");
            // Alerting does not wait for Elasticsearch: a burst during the outage is alerted at once, and a node
            // that goes silent during it is alerted when its 15 s heartbeat window ends.
            long silentFrom = heartbeatThenSilence(silentNode);
            long sentAt = burst(burstService);
            await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(200)).until(() ->
                    stack.readJson("critical_logs", burstService).stream()
                            .anyMatch(j -> "error-burst".equals(j.path("rule").path("name").asText())));
            alertLatencyMs[0] = System.currentTimeMillis() - sentAt;
            await().atMost(Duration.ofSeconds(45)).pollInterval(Duration.ofMillis(200)).until(() ->
                    stack.readJson("node_failure", silentNode).stream()
                            .anyMatch(j -> "heartbeat-timeout".equals(j.path("rule").path("name").asText())));
            alertLatencyMs[1] = System.currentTimeMillis() - silentFrom;
            // The rest of the outage is itself a check: the pipeline job keeps running without a restart.
            Duration rest = Duration.ofMillis(Math.max(1, ES_OUTAGE.toMillis() - (System.currentTimeMillis() - stoppedAt)));
            await().during(rest).atMost(rest.plusSeconds(30)).pollInterval(Duration.ofSeconds(5))
                    .until(() -> stack.restarts(pipeline) == pipelineRestarts);
            upAgain();
        });
        // Neither job restarted for it (the pipeline never touches Elasticsearch; the index job waited), and the
        // alerts and the burst's events are on the topics once each.
        assertThat(stack.runningJobs(JobNames.PIPELINE.flinkName())).containsExactly(pipeline);
        assertThat(stack.runningJobs(JobNames.INDEX.flinkName())).containsExactly(index);
        assertThat(stack.restarts(pipeline)).as("pipeline job restarts").isEqualTo(pipelineRestarts);
        assertThat(stack.restarts(index)).as("index job restarts").isEqualTo(indexRestarts);
        assertThat(stack.readJson("alerts", burstService)).as("the burst's alert, once")
                .filteredOn(j -> "error-burst".equals(j.path("rule").path("name").asText())).hasSize(1);
        assertThat(stack.readJson("alerts", silentNode)).as("the silent node's alert, once")
                .filteredOn(j -> "heartbeat-timeout".equals(j.path("rule").path("name").asText())).hasSize(1);
        assertThat(stack.readJson("node_failure", silentNode)).as("on node_failure, once")
                .filteredOn(j -> "heartbeat-timeout".equals(j.path("rule").path("name").asText())).hasSize(1);
        assertThat(stack.readJson("all_logs", burstService)).as("the burst's events, once each").hasSize(5);
        report.add("| (elasticsearch-stop-2m) | error-burst alert on critical_logs during the outage | 5 | 5 | | 5 (0) | | 0 | "
                + alertLatencyMs[0] + " ms after its last event |");
        report.add("| (elasticsearch-stop-2m) | heartbeat-timeout alert on node_failure during the outage | 2 | 2 | | 1 (0) | | 0 | "
                + alertLatencyMs[1] + " ms after its heartbeat's ack (window 15 s from when the job read it) |");
    }

    /** A node registers and sends one heartbeat (acknowledged), then nothing; returns when they are acked. */
    static long heartbeatThenSilence(String node) throws Exception {
        FluencyBuilderForFluentd b = new FluencyBuilderForFluentd();
        b.setAckResponseMode(true);
        b.setFlushAttemptIntervalMillis(50);
        try (Fluency f = b.build("127.0.0.1", stack.forwardPort())) {
            f.emit("fault.node", Map.of("message_type", "REGISTRATION", "service_name", "faults-node",
                    "node_id", node, "status", "UP"));
            f.emit("fault.node", Map.of("message_type", "HEARTBEAT", "service_name", "faults-node",
                    "node_id", node, "status", "UP"));
            f.flush();
            assertThat(f.waitUntilAllBufferFlushed(30)).as("heartbeat acknowledged").isTrue();
        }
        return System.currentTimeMillis();
    }

    /** Five errors of one service with acks, one error-burst; returns when they are acknowledged. */
    static long burst(String service) throws Exception {
        FluencyBuilderForFluentd b = new FluencyBuilderForFluentd();
        b.setAckResponseMode(true);
        b.setFlushAttemptIntervalMillis(50);
        try (Fluency f = b.build("127.0.0.1", stack.forwardPort())) {
            for (int i = 0; i < 5; i++) {
                f.emit("fault.burst", Map.of("log_level", "ERROR", "service_name", service, "node_id", service + "-1",
                        "message", "failure " + i));
            }
            f.flush();
            assertThat(f.waitUntilAllBufferFlushed(30)).as("burst acknowledged").isTrue();
        }
        return System.currentTimeMillis();
    }

    @Test
    @Order(5)
    void receiverStoppedGracefully() throws Exception {
        phase("receiver-sigterm", "receiver SIGTERMed under load, restarted by ./dls up", () -> {
            kill("receiver", "TERM");
            upAgain();
        });
    }

    // ------------------------------------------------------------------ a phase

    interface Fault {
        void run() throws Exception;
    }

    /**
     * Sends a numbered stream under tag {@code fault.<name>} for 5 s, injects the fault, keeps sending for
     * 5 s after it, then waits for the client to have every event acknowledged and checks each sink.
     */
    void phase(String name, String what, Fault fault) throws Exception {
        String tag = "fault." + name;
        AtomicBoolean stop = new AtomicBoolean();
        int[] sent = {0};
        FluencyBuilderForFluentd b = new FluencyBuilderForFluentd();
        b.setAckResponseMode(true);
        b.setFlushAttemptIntervalMillis(200);
        // Keep retrying through an outage: the agent's job is to hold events until they are acked.
        b.setSenderMaxRetryCount(60);
        b.setSenderMaxRetryIntervalMillis(2000);
        b.setReadTimeoutMilli(10_000);
        boolean allAcked;
        // The receiver's resident memory through the phase (whichever receiver process is current).
        AtomicBoolean sampling = new AtomicBoolean(true);
        long[] peakRssKb = {0};
        CompletableFuture<Void> sampler = CompletableFuture.runAsync(() -> {
            while (sampling.get()) {
                peakRssKb[0] = Math.max(peakRssKb[0], rssKb("receiver"));
                sleepQuietly(250);
            }
        });
        try (Fluency f = b.build("127.0.0.1", stack.forwardPort())) {
            CompletableFuture<Void> sender = CompletableFuture.runAsync(() -> {
                try {
                    while (!stop.get()) {
                        for (int i = 0; i < RATE / 10 && !stop.get(); i++) {
                            Map<String, Object> r = new HashMap<>();
                            r.put("message", name + " event " + sent[0]);
                            r.put("log_level", "INFO");
                            r.put("service_name", "faults");
                            r.put("node_id", "faults-1");
                            r.put("seq", name + "-" + sent[0]);
                            f.emit(tag, r);
                            sent[0]++;
                        }
                        Thread.sleep(100);
                    }
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            Thread.sleep(5000);
            fault.run();
            Thread.sleep(5000);
            stop.set(true);
            sender.get(30, TimeUnit.SECONDS);
            f.flush();
            allAcked = f.waitUntilAllBufferFlushed(180);
        }
        sampling.set(false);
        sampler.get(10, TimeUnit.SECONDS);
        int n = sent[0];
        // DESIGN.md's bar for the receiver: at most 512 MiB resident, whatever Kafka does.
        assertThat(peakRssKb[0] / 1024).as("receiver peak RSS (MiB) during " + name).isBetween(1L, 512L);
        assertThat(allAcked).as("Fluency got every event of " + name + " acknowledged").isTrue();

        // logs.raw: every acknowledged event at least once (contract 1).
        Map<String, Integer> raw = new HashMap<>();
        stack.readTopic("logs.raw", r -> {
            if (r.key() != null && new String(r.key(), StandardCharsets.UTF_8).equals(tag)) {
                raw.merge(seqOf(r.value()), 1, Integer::sum);
            }
        });
        assertThat(raw.keySet()).as("distinct events of " + name + " in logs.raw").hasSize(n);

        // all_logs: at least once; Elasticsearch: exactly once (ids are deterministic, replays overwrite).
        Map<String, Integer> all = new HashMap<>();
        await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofSeconds(2)).untilAsserted(() -> {
            all.clear();
            for (JsonNode j : stack.readJson("all_logs", "\"" + tag + "\"")) {
                all.merge(j.path("fields").path("seq").asText(), 1, Integer::sum);
            }
            assertThat(all.keySet()).as("distinct events of " + name + " on all_logs").hasSize(n);
        });
        // Counted exactly: a terms aggregation over the one shard. (A cardinality aggregation is HyperLogLog++:
        // below its threshold it keeps 32-bit hashes, and two of ~4,000 values collide about once in 500 phases,
        // which is how this check once saw 4,139 of 4,140 events.)
        long[] es = new long[2];
        await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofSeconds(2)).untilAsserted(() -> {
            DlsStack.post(stack.es() + "/logs-*/_refresh", "");
            String q = "{\"size\":0,\"track_total_hits\":true,\"query\":{\"term\":{\"event.dataset\":\"" + tag + "\"}},"
                    + "\"aggs\":{\"seqs\":{\"terms\":{\"field\":\"fields_kv\",\"include\":\"seq=.*\",\"size\":" + (n + 100) + "}}}}";
            JsonNode res = DlsStack.JSON.readTree(DlsStack.post(stack.es() + "/logs-*/_search", q));
            es[0] = res.path("hits").path("total").path("value").asLong();
            es[1] = res.path("aggregations").path("seqs").path("buckets").size();
            assertThat(es[1]).as("distinct events of " + name + " in Elasticsearch").isEqualTo(n);
        });
        assertThat(es[0]).as("documents of " + name + " in Elasticsearch (no duplicates)").isEqualTo(n);

        int rawTotal = raw.values().stream().mapToInt(Integer::intValue).sum();
        int allTotal = all.values().stream().mapToInt(Integer::intValue).sum();
        report.add("| " + name + " | " + what + " | " + n + " | " + n + " | " + raw.size() + " (" + (rawTotal - raw.size())
                + ") | " + all.size() + " (" + (allTotal - all.size()) + ") | " + es[1] + " (" + (es[0] - es[1]) + ") | 0 | "
                + peakRssKb[0] / 1024 + " MiB |");
        assertThat(stack.dls(Duration.ofMinutes(1), "status").code()).as("everything runs again after " + name).isZero();
    }

    void kill(String service, String signal) throws Exception {
        long pid = stack.pid(service);
        Process p = new ProcessBuilder("kill", "-" + signal, String.valueOf(pid)).inheritIO().start();
        assertThat(p.waitFor()).isZero();
        // Wait for the process to be gone, as an operator would before restarting it.
        await().atMost(Duration.ofSeconds(60)).until(() -> ProcessHandle.of(pid).map(h -> !h.isAlive()).orElse(true));
    }

    long rssKb(String service) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", String.valueOf(stack.pid(service)), "status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("\\D", ""));
                }
            }
        } catch (IOException | RuntimeException gone) {
            // between a kill and the restart there is no receiver to measure
        }
        return 0;
    }

    static void sleepQuietly(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    void upAgain() throws Exception {
        DlsStack.Run r = stack.dls(Duration.ofMinutes(5), "up");
        assertThat(r.code()).as(() -> r.output() + stack.logTails()).isZero();
    }

    static String seqOf(byte[] msgpackMap) {
        try (MessageUnpacker u = MessagePack.newDefaultUnpacker(msgpackMap)) {
            Value v = u.unpackValue();
            return v.asMapValue().map().entrySet().stream()
                    .filter(e -> e.getKey().toString().equals("seq")).map(e -> e.getValue().toString())
                    .findFirst().orElse("?");
        } catch (IOException e) {
            return "undecodable";
        }
    }
}
