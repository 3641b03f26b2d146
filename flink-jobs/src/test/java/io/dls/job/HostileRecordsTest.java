package io.dls.job;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.dls.job.support.ShippedPatterns;
import io.dls.job.index.FieldPairs;
import io.dls.job.index.IndexJob;
import io.dls.job.index.SafeForm;
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
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.msgpack.core.MessageBufferPacker;
import org.msgpack.core.MessagePack;
import picocli.CommandLine;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.function.Consumer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Issue 5, bad input: records that decode but make no sense to the job, written to the raw topic of a real
 * Kafka broker, through the whole job on a MiniCluster into real Kafka topics and a real Elasticsearch 7.10.
 * Each one ends up either on logs.invalid with a reason, or normalized on all_logs (with tags and
 * event.reason where the job changed something) and, unless a heartbeat, in Elasticsearch. A normal record
 * and an error burst after them still come through, and the job never restarts.
 */
class HostileRecordsTest {
    @RegisterExtension
    static final MiniClusterExtension FLINK = new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
            .setConfiguration(fastMetrics()).setNumberTaskManagers(1).setNumberSlotsPerTaskManager(2).build());

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int TEN_MB = 10 * 1024 * 1024;

    @TempDir
    Path dir;

    private static Configuration fastMetrics() {
        Configuration c = new Configuration();
        c.set(MetricOptions.METRIC_FETCHER_UPDATE_INTERVAL, Duration.ofMillis(500)); // numRestarts read over REST, not 10 s stale
        return c;
    }

    /** A msgpack str whose bytes are not UTF-8. */
    record RawStr(byte[] bytes) {
    }

    /** One hostile record and what must become of it. */
    record Case(String name, byte[] value, Long timestamp, Expect expect, String tagOrReason,
                Consumer<JsonNode> check) {
    }

    enum Expect { INVALID, NORMALIZED, HEARTBEAT }

    private final List<Case> cases = new ArrayList<>();

    private void invalid(String name, byte[] value, String reason) {
        cases.add(new Case(name, value, null, Expect.INVALID, reason, d -> { }));
    }

    /** @param tag the tag the event must carry (null: the job changed nothing, so none is required) */
    private void normalized(String name, Object record, String tag, Consumer<JsonNode> check) {
        cases.add(new Case(name, pack(record), null, Expect.NORMALIZED, tag, check));
    }

    @Test
    void everyHostileRecordIsSetAsideOrNormalizedAndTheJobNeverRestarts(
            @InjectClusterClient ClusterClient<?> flink) throws Exception {
        String p = "h" + UUID.randomUUID().toString().substring(0, 6) + ".";
        // One partition: the far-future record shares its split (and watermark) with the error burst after it.
        // The shipped patterns run in processing time; an event-time copy of error-burst feels the watermark.
        Path patternDir = ShippedPatterns.copy(dir.resolve("patterns"), p, null);
        Files.writeString(patternDir.resolve("error-burst-event-time.yaml"), """
                name: error-burst-event-time
                key: service.name
                severity: critical
                topic: %scritical_logs
                time: event
                within: 30s
                message: "{count} errors from {key} (event time)"
                steps:
                  - name: errors
                    where: {field: log.level, in: [ERROR, FATAL]}
                    times: 5
                """.formatted(p));
        JobOptions o = CommandLine.populateCommand(new JobOptions(),
                "--kafka-bootstrap", TestKafka.bootstrap(), "--es-hosts", TestElasticsearch.url(),
                "--patterns", patternDir.toString(),
                "--topic-raw", p + "raw", "--topic-all", p + "all", "--topic-critical", p + "critical_logs",
                "--topic-node-failure", p + "node_failure", "--topic-invalid", p + "invalid",
                "--topic-alerts", p + "alerts", "--topic-dead-letter", p + "dead-letter",
                "--group-id", p + "group", "--index-group-id", p + "index", "--starting-offsets", "earliest",
                "--checkpoint-interval", "1000",
                "--es-bulk-actions", "20", "--es-bulk-interval", "200", "--topic-partitions", "1");
        var patterns = LogPipelineJob.compilePatterns(o);
        Set<String> alertTopics = new TreeSet<>();
        patterns.forEach(c -> alertTopics.add(c.spec().topic()));
        Connectors.createTopics(o, alertTopics);
        // The raw topic takes a 10 MB record (the job's output topics keep Kafka's 1 MB default).
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", TestKafka.bootstrap()))) {
            admin.incrementalAlterConfigs(Map.of(new ConfigResource(ConfigResource.Type.TOPIC, p + "raw"),
                    List.of(new AlterConfigOp(new ConfigEntry("max.message.bytes", "16777216"),
                            AlterConfigOp.OpType.SET)))).all().get();
        }

        defineCases();
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        // One source subtask for the one partition: a subtask without a split holds event time back.
        env.setParallelism(1);
        // Both jobs in one job graph here: the hostile records must fail neither.
        LogPipelineJob.build(env, o, patterns);
        IndexJob.build(env, o);
        JobClient job = env.executeAsync("hostile records test");
        String rest = flink.getWebInterfaceURL();
        long started = System.currentTimeMillis();
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of(
                "bootstrap.servers", TestKafka.bootstrap(), "acks", "all", "max.request.size", "16777216"),
                new ByteArraySerializer(), new ByteArraySerializer())) {
            for (Case c : cases) {
                send(producer, p + "raw", "hostile." + c.name, c.timestamp, c.value);
            }
            // A tag of 40,000 characters: longer than a Lucene term (32,766 bytes), so event.dataset must not be indexed.
            send(producer, p + "raw", "hostile.huge-tag." + "t".repeat(40_000), null, pack(rec("message", "long tag")));
            // Then an error burst, and a normal record 3 s later whose time moves the watermark past the burst.
            long now = System.currentTimeMillis();
            for (int i = 0; i < 5; i++) {
                send(producer, p + "raw", "hostile.burst", now + i, pack(rec("log_level", "ERROR",
                        "service_name", "after-hostile", "node_id", "n1", "message", "failure " + i)));
            }
            send(producer, p + "raw", "hostile.normal", now + 3000, pack(rec("log_level", "INFO",
                    "service_name", "normal", "node_id", "n1", "message", "all good after the hostile records")));
            producer.flush();
        }
        try {
            long expectedEvents = cases.stream().filter(c -> c.expect != Expect.INVALID).count() + 1 + 1 + 5;
            long expectedInvalid = cases.stream().filter(c -> c.expect == Expect.INVALID).count();
            Map<String, JsonNode> all = new HashMap<>();
            Map<String, JsonNode> invalid = new HashMap<>();
            await().atMost(Duration.ofSeconds(45)).pollInterval(Duration.ofSeconds(1)).untilAsserted(() -> {
                assertNoRestart(rest, job);
                all.clear();
                for (ConsumerRecord<byte[], byte[]> r : TestKafka.consume(p + "all", (int) expectedEvents, Duration.ofSeconds(1))) {
                    assertThat(r.value().length).as("an all_logs record fits Kafka's default 1 MB").isLessThan(1 << 20);
                    JsonNode d = JSON.readTree(r.value());
                    all.put(d.at("/event/dataset").asText() + (d.at("/event/dataset").asText().equals("hostile.burst")
                            ? d.path("message").asText() : ""), d);
                }
                invalid.clear();
                for (ConsumerRecord<byte[], byte[]> r : TestKafka.consume(p + "invalid", (int) expectedInvalid, Duration.ofSeconds(1))) {
                    JsonNode d = JSON.readTree(r.value());
                    invalid.put(d.path("tag").asText(), d);
                }
                assertThat(all).as("events on all_logs").hasSize((int) expectedEvents);
                assertThat(invalid).as("records on logs.invalid").hasSize((int) expectedInvalid);
            });

            List<String> esIds = new ArrayList<>();
            for (Case c : cases) {
                String tag = "hostile." + c.name;
                if (c.expect == Expect.INVALID) {
                    assertThat(all).as(c.name + " is not an event").doesNotContainKey(tag);
                    assertThat(invalid.get(tag)).as(c.name + " on logs.invalid").isNotNull();
                    assertThat(invalid.get(tag).path("reason").asText()).as(c.name + " reason").contains(c.tagOrReason);
                    continue;
                }
                assertThat(invalid).as(c.name + " is not invalid").doesNotContainKey(tag);
                JsonNode d = all.get(tag);
                assertThat(d).as(c.name + " on all_logs").isNotNull();
                if (c.tagOrReason != null) {
                    assertThat(tags(d)).as(c.name + " tags").contains(c.tagOrReason);
                    assertThat(d.at("/event/reason").asText()).as(c.name + " event.reason").isNotBlank();
                }
                c.check.accept(d);
                if (c.expect == Expect.NORMALIZED) {
                    esIds.add(d.at("/event/id").asText());
                }
            }
            JsonNode hugeTag = all.entrySet().stream().filter(e -> e.getKey().startsWith("hostile.huge-tag."))
                    .map(Map.Entry::getValue).findFirst().orElseThrow();
            esIds.add(hugeTag.at("/event/id").asText());
            JsonNode normal = all.get("hostile.normal");
            assertThat(normal.path("tags").isMissingNode()).as("nothing changed on a normal record").isTrue();
            esIds.add(normal.at("/event/id").asText());

            // Elasticsearch holds every normalized event but the heartbeat, the normal one included.
            String heartbeatId = all.get("hostile.heartbeat-odd-types").at("/event/id").asText();
            await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
                assertNoRestart(rest, job);
                TestElasticsearch.post("/logs-*/_refresh", "");
                JsonNode hits = TestElasticsearch.post("/logs-*/_search?size=200",
                        "{\"query\": {\"terms\": {\"event.id\": " + JSON.writeValueAsString(esIds) + "}}}");
                List<String> found = new ArrayList<>();
                hits.at("/hits/hits").forEach(h -> found.add(h.at("/_source/event/id").asText()));
                assertThat(found).containsExactlyInAnyOrderElementsOf(esIds);
                assertThat(TestElasticsearch.post("/logs-*/_count",
                        "{\"query\": {\"term\": {\"event.id\": \"" + heartbeatId + "\"}}}").path("count").asInt())
                        .as("heartbeats stay out of Elasticsearch").isZero();
            });
            // Conflicting shapes of one field: the structure is kept on Kafka and in Elasticsearch's _source,
            // and every shape is found by value through fields_kv (fields itself is not indexed).
            assertThat(all.get("hostile.detail-map").at("/fields/detail/x").asInt()).isEqualTo(1);
            JsonNode esMap = esSource(all.get("hostile.detail-map"));
            assertThat(esMap.at("/fields/detail/x").asInt()).isEqualTo(1);
            assertThat(tags(esMap)).doesNotContain(SafeForm.TAG);
            assertThat(strings(esMap.path("fields_kv"))).contains("detail.x=1");
            assertThat(strings(esSource(all.get("hostile.detail-mixed")).path("fields_kv")))
                    .contains("detail=1", "detail=a", "detail.b=2");
            assertThat(strings(esSource(all.get("hostile.odd-keys")).path("fields_kv"))).contains("a.b=1", "a=x");
            assertThat(TestElasticsearch.post("/logs-*/_count",
                    "{\"query\": {\"term\": {\"fields_kv\": \"detail=text\"}}}").path("count").asInt()).isEqualTo(1);
            // 2,000 original keys map no field: the index's mapping stays small.
            assertThat(strings(esSource(all.get("hostile.many-keys")).path("fields_kv"))).hasSize(FieldPairs.MAX_PAIRS);
            // error.message as an object conflicts with the template's text field: stored as text, found by id.
            JsonNode errorConflict = esSource(all.get("hostile.error-conflict-b"));
            assertThat(tags(errorConflict)).contains(SafeForm.TAG);
            assertThat(errorConflict.path("original").asText()).contains("\"code\":{\"x\":1}");

            // Alerting still works after them, in event time too: the far-future records did not drag the
            // watermark to year 9999 (which would make every later event late, dropped by CEP).
            await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
                assertNoRestart(rest, job);
                assertThat(TestKafka.consume(p + "critical_logs", 2, Duration.ofSeconds(1)).stream()
                        .map(r -> readTree(r.value()))
                        .filter(d -> d.at("/alert/key/value").asText().equals("after-hostile"))
                        .map(d -> d.at("/rule/name").asText()))
                        .contains("error-burst", "error-burst-event-time");
            });
            assertNoRestart(rest, job);
            assertThat(System.currentTimeMillis() - started).as("test time").isLessThan(60_000);
        } finally {
            job.cancel().get();
        }
    }

    private void defineCases() {
        // Not a map at all.
        invalid("not-map-array", pack(List.of(1L, 2L, 3L)), "not a map");
        invalid("not-map-string", pack("hello"), "not a map");
        invalid("not-map-nil", new byte[]{(byte) 0xc0}, "not a map");
        invalid("not-map-10mb-string", pack("x".repeat(TEN_MB)), "not a map");
        // Nesting: 200 levels (deeper than the job takes), 100,000 levels (would overflow a recursive decoder).
        invalid("deep-200", pack(nested(200)), "nested deeper than");
        invalid("deep-100000", nestedBytes(100_000), "nested deeper than");
        // An array header claiming 4 billion elements in 5 bytes (msgpack-java would allocate them first).
        invalid("lying-length", new byte[]{(byte) 0xdd, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff}, "not msgpack");

        Map<Object, Object> keys = new LinkedHashMap<>();
        keys.put(1L, "one");
        keys.put(null, "nil key");
        keys.put(true, "bool key");
        keys.put(List.of(1L, 2L), "array key");
        keys.put(rec("k", 1L), "map key");
        keys.put("message", "non-string keys");
        normalized("non-string-keys", keys, "non_string_key", d -> {
            assertThat(d.at("/fields/1").asText()).isEqualTo("one");
            assertThat(d.at("/fields/true").asText()).isEqualTo("bool key");
        });
        normalized("level-number", rec("log_level", 42L, "message", "m"), "unknown_level", d -> {
            assertThat(d.at("/log/level").asText()).isEqualTo("UNKNOWN");
            assertThat(d.at("/fields/log_level").asLong()).isEqualTo(42);
        });
        normalized("level-map", rec("log_level", rec("value", "ERROR"), "message", "m"), "wrong_type", d -> {
            assertThat(d.at("/log/level").asText()).isEqualTo("UNKNOWN");
            assertThat(d.at("/fields/log_level/value").asText()).isEqualTo("ERROR");
        });
        normalized("level-array", rec("log_level", List.of("ERROR", "WARN"), "message", "m"), "wrong_type",
                d -> assertThat(d.at("/fields/log_level/0").asText()).isEqualTo("ERROR"));
        normalized("message-map", rec("message", rec("text", "hi")), "wrong_type", d -> {
            assertThat(d.has("message")).isFalse();
            assertThat(d.at("/fields/message/text").asText()).isEqualTo("hi");
        });
        normalized("message-array", rec("message", List.of(1L, "two")), "wrong_type",
                d -> assertThat(d.at("/fields/message/1").asText()).isEqualTo("two"));
        normalized("service-number", rec("service_name", 42L, "node_id", true, "message", "m"), "wrong_type", d -> {
            assertThat(d.at("/service/name").asText()).isEqualTo("42");
            assertThat(d.at("/host/name").asText()).isEqualTo("true");
        });
        normalized("status-and-type-maps", rec("message_type", rec("t", "HEARTBEAT"), "status", rec("s", "DOWN"),
                "message", "m"), "wrong_type", d -> {
            assertThat(d.at("/event/type").asText()).isEqualTo("LOG");
            assertThat(d.has("status")).isFalse();
            assertThat(d.at("/fields/status/s").asText()).isEqualTo("DOWN");
            assertThat(d.at("/fields/message_type/t").asText()).isEqualTo("HEARTBEAT");
        });
        // Time strings inside the record are original fields (the event time is contract 1's): kept as they are.
        normalized("time-strings", rec("@timestamp", "not a time", "time", "1900-01-01T00:00:00Z", "date",
                "0000-01-01T00:00:00Z", "message", "m"), null, d -> {
            assertThat(d.at("/fields/@timestamp").asText()).isEqualTo("not a time");
            assertThat(d.at("/fields/time").asText()).isEqualTo("1900-01-01T00:00:00Z");
        });
        cases.add(new Case("epoch-zero", pack(rec("message", "from a clock that never got set")), 0L,
                Expect.NORMALIZED, null, d -> assertThat(d.path("@timestamp").asText()).isEqualTo("1970-01-01T00:00:00Z")));
        for (long[] future : new long[][]{{3000, 32_503_680_000_000L}, {9999, 253_402_300_799_000L}}) {
            cases.add(new Case("year-" + future[0], pack(rec("message", "from year " + future[0])), future[1],
                    Expect.NORMALIZED, "event_time_replaced", d -> {
                        Instant t = Instant.parse(d.path("@timestamp").asText());
                        assertThat(t).isBetween(Instant.now().minusSeconds(120), Instant.now());
                        assertThat(d.at("/event/reason").asText()).contains(future[0] + "-");
                    }));
        }
        normalized("message-10mb", rec("log_level", "ERROR", "service_name", "big", "message", "m".repeat(TEN_MB)),
                "truncated", d -> {
                    assertThat(d.path("message").asText().length()).isBetween(1000, 256 * 1024);
                    assertThat(d.at("/event/reason").asText()).contains("message (" + TEN_MB + " bytes)");
                    assertThat(d.at("/log/level").asText()).isEqualTo("ERROR");
                });
        normalized("unknown-level", rec("log_level", "banana", "message", "m"), "unknown_level", d -> {
            assertThat(d.at("/log/level").asText()).isEqualTo("UNKNOWN");
            assertThat(d.at("/fields/log_level").asText()).isEqualTo("banana");
        });
        // One field, three shapes: an Elasticsearch mapping conflict for whichever comes second.
        normalized("detail-text", rec("message", "m", "detail", "text"), null, d -> { });
        normalized("detail-map", rec("message", "m", "detail", rec("x", 1L)), null, d -> { });
        normalized("detail-mixed", rec("message", "m", "detail", List.of(1L, "a", rec("b", 2L))), null,
                d -> assertThat(d.at("/fields/detail/2/b").asInt()).isEqualTo(2));
        normalized("error-conflict-a", rec("message", "m", "error", rec("code", 5L, "when", "2024-01-01")), null, d -> { });
        normalized("error-conflict-b", rec("message", "m", "error", rec("code", rec("x", 1L), "when", "yesterday",
                "message", rec("m", 1L), "type", List.of("a", rec("b", 1L)))), null,
                d -> assertThat(d.at("/error/code/x").asInt()).isEqualTo(1));
        normalized("odd-keys", rec("a.b", 1L, "a", "x", "", "empty", "  ", "blank", "...", "dots", ".lead", 1L,
                "trail.", 2L, "k".repeat(100_000), "long key", "_id", "id", "_source", "s", "message", "odd keys"),
                "truncated", d -> {
                    assertThat(d.at("/fields/a.b").asInt()).isEqualTo(1);
                    assertThat(d.path("fields").has("")).isTrue();
                    // Jackson 2.16+ readers refuse names over 50,000 characters: the key is cut, the value kept.
                    assertThat(d.at("/event/reason").asText()).contains("a key of 100000 characters cut to 1024");
                    d.path("fields").fields().forEachRemaining(f -> {
                        if (f.getKey().startsWith("kkk")) {
                            assertThat(f.getKey()).hasSize(1024);
                            assertThat(f.getValue().asText()).isEqualTo("long key");
                        }
                    });
                });
        normalized("invalid-utf8", rec("message", new RawStr(new byte[]{'a', (byte) 0xff, (byte) 0xfe, 'b'}),
                "k", new RawStr(new byte[]{(byte) 0xc3})), "invalid_utf8",
                d -> assertThat(d.path("message").asText()).isEqualTo("a\uFFFD\uFFFDb"));
        normalized("nested-30", rec("message", "m", "deep", nested(30)), null, d -> { });
        Map<Object, Object> many = new LinkedHashMap<>();
        many.put("message", "2000 keys");
        for (int i = 0; i < 2000; i++) {
            many.put("key" + i, i % 2 == 0 ? (Object) (long) i : "v" + i);
        }
        normalized("many-keys", many, null, d -> assertThat(d.path("fields").size()).isEqualTo(2000));
        normalized("odd-numbers", rec("message", "m", "nan", Double.NaN, "inf", Double.POSITIVE_INFINITY,
                "huge", new java.math.BigInteger("18446744073709551615"), "flag", true, "mixed", List.of(1L, "a", false)), null,
                d -> assertThat(d.at("/fields/huge").asText()).isEqualTo("18446744073709551615"));
        normalized("service-40k", rec("service_name", "s".repeat(40_000), "message", "long service name"), null,
                d -> assertThat(d.at("/service/name").asText()).hasSize(40_000));
        cases.add(new Case("heartbeat-odd-types", pack(rec("message_type", "HEARTBEAT", "node_id", rec("n", 1L),
                "service_name", "hb", "status", 7L)), null, Expect.HEARTBEAT, "wrong_type",
                d -> assertThat(d.at("/event/type").asText()).isEqualTo("HEARTBEAT")));
        // msgpack allows a key twice; a JSON object cannot hold both.
        cases.add(new Case("duplicate-key", duplicateKey(), null, Expect.NORMALIZED, "duplicate_key",
                d -> assertThat(d.path("message").asText()).isEqualTo("second")));
    }

    // ---- checks

    private static void assertNoRestart(String rest, JobClient job) throws Exception {
        JsonNode exceptions = restGet(rest + "/jobs/" + job.getJobID() + "/exceptions");
        if (exceptions.at("/exceptionHistory/entries").size() > 0) {
            // Not an AssertionError: awaitility would retry that; a failed job is final.
            String trace = exceptions.at("/exceptionHistory/entries/0/stacktrace").asText();
            throw new IllegalStateException("the job failed (and restarts): " + trace.lines()
                    .filter(l -> !l.startsWith("\tat ") && !l.startsWith("\t...")).limit(8).toList());
        }
        JsonNode metric = restGet(rest + "/jobs/" + job.getJobID() + "/metrics?get=numRestarts");
        assertThat(metric.size()).as("numRestarts reported").isEqualTo(1);
        assertThat(metric.at("/0/value").asText()).as("numRestarts").isEqualTo("0");
    }

    private static JsonNode restGet(String url) throws Exception {
        HttpResponse<String> res = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(res.statusCode()).as(url).isEqualTo(200);
        return JSON.readTree(res.body());
    }

    private static JsonNode esSource(JsonNode kafkaDoc) {
        JsonNode hits = TestElasticsearch.post("/logs-*/_search", "{\"query\": {\"term\": {\"event.id\": \""
                + kafkaDoc.at("/event/id").asText() + "\"}}}");
        assertThat(hits.at("/hits/total/value").asInt()).isEqualTo(1);
        return hits.at("/hits/hits/0/_source");
    }

    private static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(t -> out.add(t.asText()));
        return out;
    }

    private static List<String> tags(JsonNode d) {
        List<String> out = new ArrayList<>();
        d.path("tags").forEach(t -> out.add(t.asText()));
        return out;
    }

    private static JsonNode readTree(byte[] b) {
        try {
            return JSON.readTree(b);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    // ---- records

    private static void send(KafkaProducer<byte[], byte[]> producer, String topic, String tag, Long timestamp, byte[] value) {
        // The receiver's fluent.time header carries 32-bit seconds: far-future times come as the Kafka timestamp only.
        long t = timestamp != null ? timestamp : System.currentTimeMillis();
        List<org.apache.kafka.common.header.Header> headers = new ArrayList<>();
        if (timestamp == null) {
            long s = t / 1000;
            int ns = (int) (t % 1000) * 1_000_000;
            headers.add(new RecordHeader("fluent.time", new byte[]{(byte) (s >>> 24), (byte) (s >>> 16), (byte) (s >>> 8),
                    (byte) s, (byte) (ns >>> 24), (byte) (ns >>> 16), (byte) (ns >>> 8), (byte) ns}));
        }
        producer.send(new ProducerRecord<>(topic, null, t, tag.getBytes(StandardCharsets.UTF_8), value, headers));
    }

    static Map<Object, Object> rec(Object... kv) {
        Map<Object, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put(kv[i], kv[i + 1]);
        }
        return m;
    }

    private static Map<Object, Object> nested(int depth) {
        Map<Object, Object> m = rec("leaf", "bottom");
        for (int i = 1; i < depth; i++) {
            m = rec("a", m);
        }
        return m;
    }

    /** {"a": {"a": ... }} as bytes, without recursion: fixmap(1), fixstr "a", ..., then nil. */
    private static byte[] nestedBytes(int depth) {
        byte[] b = new byte[depth * 3 + 1];
        for (int i = 0; i < depth; i++) {
            b[3 * i] = (byte) 0x81;
            b[3 * i + 1] = (byte) 0xa1;
            b[3 * i + 2] = 'a';
        }
        b[depth * 3] = (byte) 0xc0;
        return b;
    }

    private static byte[] duplicateKey() {
        try (MessageBufferPacker p = MessagePack.newDefaultBufferPacker()) {
            p.packMapHeader(2).packString("message").packString("first").packString("message").packString("second");
            return p.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static byte[] pack(Object v) {
        try (MessageBufferPacker p = MessagePack.newDefaultBufferPacker()) {
            pack(p, v);
            return p.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void pack(MessageBufferPacker p, Object v) throws IOException {
        if (v == null) {
            p.packNil();
        } else if (v instanceof String s) {
            p.packString(s);
        } else if (v instanceof RawStr r) {
            p.packRawStringHeader(r.bytes.length).writePayload(r.bytes);
        } else if (v instanceof Long l) {
            p.packLong(l);
        } else if (v instanceof java.math.BigInteger b) {
            p.packBigInteger(b);
        } else if (v instanceof Double d) {
            p.packDouble(d);
        } else if (v instanceof Boolean b) {
            p.packBoolean(b);
        } else if (v instanceof List<?> l) {
            p.packArrayHeader(l.size());
            for (Object o : l) {
                pack(p, o);
            }
        } else if (v instanceof Map<?, ?> m) {
            p.packMapHeader(m.size());
            for (Map.Entry<?, ?> e : m.entrySet()) {
                pack(p, e.getKey());
                pack(p, e.getValue());
            }
        } else {
            throw new IllegalArgumentException("cannot pack " + v.getClass() + " " + Arrays.asList(v));
        }
    }
}
