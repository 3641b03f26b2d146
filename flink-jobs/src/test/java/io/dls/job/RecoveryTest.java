package io.dls.job;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.dls.job.decode.RawRecord;
import io.dls.job.normalize.AliasConfig;
import io.dls.job.normalize.Normalizer;
import io.dls.job.patterns.PatternStreams;
import io.dls.job.support.RawProducer;
import io.dls.job.index.IndexJob;
import io.dls.job.support.TestElasticsearch;
import io.dls.testing.TestKafka;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.CheckpointingMode;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A task fails mid-stream; the job restores from its last checkpoint and replays from the offsets stored
 * in it. With at-least-once delivery topics may then hold an event twice; with exactly-once, read_committed
 * consumers see it once. Elasticsearch never holds it twice: every document id is the event's own id.
 */
class RecoveryTest {
    @RegisterExtension
    static final MiniClusterExtension FLINK = new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
            .setNumberTaskManagers(1).setNumberSlotsPerTaskManager(2).build());

    /** Armed by the test; the first record after arming fails its task, once. */
    static final AtomicBoolean ARMED = new AtomicBoolean();

    static final class FailOnceWhenArmed implements MapFunction<RawRecord, RawRecord> {
        @Override
        public RawRecord map(RawRecord r) {
            if (ARMED.compareAndSet(true, false)) {
                throw new IllegalStateException("injected task failure (test)");
            }
            return r;
        }
    }

    @TempDir
    Path patterns;

    @org.junit.jupiter.params.ParameterizedTest(name = "{0}")
    @org.junit.jupiter.params.provider.ValueSource(strings = {"at-least-once", "exactly-once"})
    void taskFailureLeavesNoDuplicateDocuments(String delivery) throws Exception {
        String p = "r" + UUID.randomUUID().toString().substring(0, 6) + ".";
        JobOptions o = CommandLine.populateCommand(new JobOptions(), "--delivery", delivery,
                "--transactional-id-prefix", p + "tx",
                "--kafka-bootstrap", TestKafka.bootstrap(), "--es-hosts", TestElasticsearch.url(),
                "--patterns", patterns.toString(), "--topic-raw", p + "raw", "--topic-all", p + "all",
                "--topic-critical", p + "critical", "--topic-node-failure", p + "node_failure",
                "--topic-invalid", p + "invalid", "--topic-alerts", p + "alerts", "--topic-dead-letter", p + "dead",
                "--group-id", p + "group", "--index-group-id", p + "index", "--starting-offsets", "earliest",
                "--checkpoint-interval", "500", "--es-bulk-actions", "20", "--es-bulk-interval", "200");
        Connectors.createTopics(o, Set.of());
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(2);
        env.enableCheckpointing(500, CheckpointingMode.EXACTLY_ONCE);
        var raw = env.fromSource(Connectors.source(o), WatermarkStrategy.<RawRecord>forMonotonousTimestamps()
                        .withTimestampAssigner((r, ts) -> r.timestamp), "kafka")
                .map(new FailOnceWhenArmed()).name("fail once");
        LogPipeline.build(raw, o.topics(), new Normalizer(AliasConfig.defaults()),
                events -> PatternStreams.applyAll(events, List.of()), Connectors.sinks(o));
        // The index job in the same graph: the injected failure restarts it too, and its replay must not
        // duplicate a document either.
        IndexJob.build(env, o);
        JobClient job = env.executeAsync("recovery test");
        String dataset = p + "app";
        try (RawProducer producer = new RawProducer(p + "raw")) {
            long t = System.currentTimeMillis();
            for (int i = 0; i < 300; i++) {
                producer.send(dataset, t + i, Map.of("log_level", "INFO", "service_name", "svc" + (i % 3),
                        "node_id", "n" + (i % 5), "message", "line " + i));
            }
            producer.flush();
            await().atMost(Duration.ofSeconds(60)).until(() -> countDocs(dataset) == 300);
            Thread.sleep(1500); // a checkpoint after the first 300
            ARMED.set(true);
            for (int i = 300; i < 600; i++) {
                producer.send(dataset, t + i, Map.of("log_level", "INFO", "service_name", "svc" + (i % 3),
                        "node_id", "n" + (i % 5), "message", "line " + i));
            }
            producer.flush();
        }
        try {
            await().atMost(Duration.ofSeconds(90)).until(() -> !ARMED.get() && countDocs(dataset) >= 600);
            Thread.sleep(2000); // anything replayed twice would land by now
            assertThat(countDocs(dataset)).as("each event exactly once in Elasticsearch").isEqualTo(600);
            List<ConsumerRecord<byte[], byte[]>> all = TestKafka.consume(p + "all", 600, Duration.ofSeconds(30));
            Set<String> ids = new HashSet<>();
            ObjectMapper json = new ObjectMapper();
            for (ConsumerRecord<byte[], byte[]> r : all) {
                ids.add(json.readTree(r.value()).at("/event/id").asText());
            }
            assertThat(ids).as("every event reached all_logs (at least once)").hasSize(600);
            if (delivery.equals("exactly-once")) {
                assertThat(all).as("read_committed sees each event once").hasSize(600);
            } else {
                assertThat(all.size()).isGreaterThanOrEqualTo(600);
            }
        } finally {
            job.cancel().get();
        }
    }

    private static long countDocs(String dataset) {
        TestElasticsearch.post("/logs-*/_refresh", "");
        return TestElasticsearch.post("/logs-*/_count", "{\"query\": {\"term\": {\"event.dataset\": \"" + dataset + "\"}}}")
                .path("count").asLong(-1);
    }
}
