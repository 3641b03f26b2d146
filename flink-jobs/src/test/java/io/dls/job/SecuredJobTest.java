package io.dls.job;

import io.dls.job.support.NginxBasicAuth;
import io.dls.job.support.RawProducer;
import io.dls.job.support.ShippedPatterns;
import io.dls.job.support.TestElasticsearch;
import io.dls.testing.KafkaProcess;
import io.dls.testing.TestKafka;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The job as its own process (local Flink, the test's class path), its connectors locked down the way an
 * operator's are: Kafka only through SASL_PLAINTEXT/PLAIN, the login in an environment variable resolved by
 * Kafka's EnvVarConfigProvider ({@code --kafka-property sasl.jaas.config=${env:DLS_KAFKA_JAAS}}), and
 * Elasticsearch only through nginx with basic auth, the password from ES_PASSWORD or --es-password-file.
 * Every line the job logs is captured; no secret may be in it.
 */
class SecuredJobTest {
    private static final String SASL_PASSWORD = "sasl-" + UUID.randomUUID();
    private static final String ES_PASSWORD = "es-" + UUID.randomUUID();
    private static final String WRONG_ES_PASSWORD = "wrong-es-" + UUID.randomUUID();
    private static final List<String> SECRETS = List.of(SASL_PASSWORD, ES_PASSWORD, WRONG_ES_PASSWORD);
    private static KafkaProcess kafka;
    private static NginxBasicAuth nginx;

    @TempDir
    Path dir;

    @BeforeAll
    static void servers() throws Exception {
        kafka = KafkaProcess.startWithSaslPlain(Map.of("admin", "admin-" + UUID.randomUUID(), "dls", SASL_PASSWORD));
        nginx = NginxBasicAuth.start(TestElasticsearch.url(), "dls-writer", ES_PASSWORD);
    }

    @AfterAll
    static void stop() {
        if (nginx != null) {
            nginx.close();
        }
        if (kafka != null) {
            kafka.close();
        }
    }

    /**
     * Starts a job ("pipeline" or "index") on raw topic {@code p + "raw"}; the caller adds how the ES password is
     * given.
     */
    private Process job(String which, String p, Path log, Map<String, String> env, String... esPasswordArgs)
            throws Exception {
        Path patterns = ShippedPatterns.copy(dir.resolve(p + "patterns"), p, null);
        Path log4j = dir.resolve("log4j2.properties");
        Files.writeString(log4j, """
                rootLogger.level = INFO
                rootLogger.appenderRef.out.ref = out
                appender.out.type = Console
                appender.out.name = out
                appender.out.layout.type = PatternLayout
                appender.out.layout.pattern = %d{HH:mm:ss.SSS} %-5level %c{1} %m%n
                logger.dls.name = io.dls
                logger.dls.level = DEBUG
                """);
        String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx768m", "-Dlog4j2.configurationFile=" + log4j,
                "--add-opens=java.base/java.util=ALL-UNNAMED", "--add-opens=java.base/java.lang=ALL-UNNAMED",
                "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED", "--add-opens=java.base/java.net=ALL-UNNAMED",
                "--add-opens=java.base/java.nio=ALL-UNNAMED", "--add-opens=java.base/java.time=ALL-UNNAMED",
                "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
                "-cp", cp, "io.dls.job.Main", which,
                "--kafka-bootstrap", kafka.saslBootstrap(),
                "--kafka-property", "security.protocol=SASL_PLAINTEXT",
                "--kafka-property", "sasl.mechanism=PLAIN",
                "--kafka-property", "config.providers=env",
                "--kafka-property", "config.providers.env.class=org.apache.kafka.common.config.provider.EnvVarConfigProvider",
                "--kafka-property", "sasl.jaas.config=${env:DLS_KAFKA_JAAS}",
                "--es-hosts", nginx.url(), "--es-username", "dls-writer",
                "--patterns", patterns.toString(), "--topic-raw", p + "raw", "--topic-all", p + "all",
                "--topic-critical", p + "critical_logs", "--topic-node-failure", p + "node_failure",
                "--topic-invalid", p + "invalid", "--topic-alerts", p + "alerts", "--topic-dead-letter", p + "dead",
                "--group-id", p + "group", "--index-group-id", p + "index", "--starting-offsets", "earliest",
                "--checkpoint-interval", "1000", "--es-bulk-actions", "10", "--es-bulk-interval", "200",
                "--topic-partitions", "1"));
        cmd.addAll(List.of(esPasswordArgs));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().remove("ES_PASSWORD");
        pb.environment().put("DLS_KAFKA_JAAS", KafkaProcess.plainJaas("dls", SASL_PASSWORD));
        pb.environment().putAll(env);
        return pb.start();
    }

    private static void send(String p, int count) {
        kafka.createTopic(p + "raw", 1);
        try (RawProducer raw = new RawProducer(kafka.bootstrap(), p + "raw")) {
            long now = System.currentTimeMillis();
            for (int i = 0; i < count; i++) {
                raw.send("app.secure", now + i, Map.of("log_level", "INFO", "service_name", "vault",
                        "message", "secured " + p.replace(".", "") + " " + i));
            }
            raw.flush();
        }
    }

    private static long documents(String p) {
        TestElasticsearch.post("/logs-*/_refresh", "");
        return TestElasticsearch.get("/logs-*/_count?q=message:" + p.replace(".", "")).path("count").asLong(-1);
    }

    private static void stop(Process job) throws InterruptedException {
        job.destroy();
        if (!job.waitFor(30, TimeUnit.SECONDS)) {
            job.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }

    private static String assertNoSecret(Path log) throws Exception {
        String out = Files.readString(log, StandardCharsets.UTF_8);
        for (String secret : SECRETS) {
            assertThat(out).as("job log %s", log).doesNotContain(secret);
        }
        return out;
    }

    @Test
    void readsAndWritesKafkaThroughSaslAndIndexesThroughBasicAuth() throws Exception {
        String p = "s" + UUID.randomUUID().toString().substring(0, 8) + ".";
        send(p, 20);
        // Created here so the test can subscribe at once; the job creates the other topics through SASL.
        kafka.createTopic(p + "all", 1);
        Path log = dir.resolve("job.log");
        Path indexLog = dir.resolve("index.log");
        Process job = job("pipeline", p, log, Map.of());
        Process index = job("index", p, indexLog, Map.of("ES_PASSWORD", ES_PASSWORD));
        try {
            // all_logs is written by the job's KafkaSink and its input read by the KafkaSource, both via SASL.
            assertThat(TestKafka.consume(kafka.bootstrap(), p + "all", 20, Duration.ofSeconds(90)))
                    .as("all_logs; job log in %s", log).hasSize(20);
            // The index job reads all_logs through SASL too, and writes through nginx with basic auth.
            await().atMost(Duration.ofSeconds(60)).until(() -> documents(p) == 20);
        } finally {
            stop(job);
            stop(index);
        }
        // The documents went through the proxy as the configured user, not around it.
        assertThat(nginx.accessLog()).anyMatch(l -> l.contains(" dls-writer ") && l.contains("POST /_bulk")
                && l.contains("\" 200 "));
        // And the proxy does lock ES: without credentials it answers 401.
        HttpResponse<Void> anonymous = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create(nginx.url() + "/_cat/indices")).build(), HttpResponse.BodyHandlers.discarding());
        assertThat(anonymous.statusCode()).isEqualTo(401);
        assertNoSecret(indexLog);
        String out = assertNoSecret(log);
        // The capture holds the Kafka clients' own config dumps, where a leak would show first.
        assertThat(out).contains("sasl.jaas.config = [hidden]", "security.protocol = SASL_PLAINTEXT");
    }

    @Test
    void wrongElasticsearchPasswordIsSaidPlainlyAndNothingIsDropped() throws Exception {
        String p = "w" + UUID.randomUUID().toString().substring(0, 8) + ".";
        kafka.createTopic(p + "all", 1);
        try (var producer = new org.apache.kafka.clients.producer.KafkaProducer<byte[], byte[]>(Map.of(
                "bootstrap.servers", kafka.bootstrap()), new org.apache.kafka.common.serialization.ByteArraySerializer(),
                new org.apache.kafka.common.serialization.ByteArraySerializer())) {
            for (int i = 0; i < 5; i++) {
                producer.send(new org.apache.kafka.clients.producer.ProducerRecord<>(p + "all", ("{\"@timestamp\":\""
                        + java.time.Instant.now() + "\",\"message\":\"" + p.replace(".", "") + "\",\"event\":{\"id\":\""
                        + p + i + "\"}}").getBytes(StandardCharsets.UTF_8)));
            }
        }
        Path passwordFile = dir.resolve("es-password");
        Files.writeString(passwordFile, WRONG_ES_PASSWORD + "\n");
        Path log = dir.resolve("wrong-job.log");
        Process job = job("index", p, log, Map.of(), "--es-password-file", passwordFile.toString());
        try {
            // The index job keeps its documents and waits (its Kafka lag grows) while it says, once a minute,
            // why Elasticsearch will not take them; it does not fail or drop anything.
            await().atMost(Duration.ofSeconds(90)).until(() -> Files.readString(log)
                    .contains("refused the job's credentials (HTTP 401 for user 'dls-writer')"));
            assertThat(Files.readString(log)).doesNotContain("switched from RUNNING to FAILED");
        } finally {
            stop(job);
        }
        assertThat(documents(p)).isZero();
        assertNoSecret(log);
    }
}
