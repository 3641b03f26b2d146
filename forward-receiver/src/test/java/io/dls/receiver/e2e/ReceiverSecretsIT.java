package io.dls.receiver.e2e;

import io.dls.receiver.support.ExternalClient;
import io.dls.testing.KafkaProcess;
import io.dls.testing.TestKafka;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * The shaded jar as an operator runs it with its secrets outside any config file: the forward shared key
 * in an environment variable, a user's password in a file ({@code ${file:..}} in the YAML), and the Kafka
 * SASL login through Kafka's own EnvVarConfigProvider ({@code ${env:..}} resolved by the Kafka client).
 * Every line the process prints (at DEBUG) is captured, and no secret may appear in it, while the run
 * must show that each secret was used: the handshake passed, SASL logged in, the events are in Kafka.
 */
class ReceiverSecretsIT {
    private static final String SHARED_KEY = "shk-" + UUID.randomUUID();
    private static final String USER_PASSWORD = "usr-" + UUID.randomUUID();
    private static final String SASL_PASSWORD = "sasl-" + UUID.randomUUID();
    private static final String WRONG_SASL_PASSWORD = "wrong-" + UUID.randomUUID();
    private static final List<String> SECRETS = List.of(SHARED_KEY, USER_PASSWORD, SASL_PASSWORD, WRONG_SASL_PASSWORD);
    private static KafkaProcess kafka;

    @TempDir
    Path dir;

    @BeforeAll
    static void broker() {
        kafka = KafkaProcess.startWithSaslPlain(Map.of("admin", "admin-" + UUID.randomUUID(), "dls", SASL_PASSWORD));
    }

    @AfterAll
    static void stopBroker() {
        if (kafka != null) {
            kafka.close();
        }
    }

    /** The YAML names where the secrets come from; none of them is in it. */
    private Path config(String topic) throws IOException {
        Path passwordFile = dir.resolve("agent-password");
        Files.writeString(passwordFile, USER_PASSWORD + "\n");
        Path yaml = dir.resolve("receiver.yaml");
        Files.writeString(yaml, """
                bind: 127.0.0.1
                security:
                  user_auth: true
                  users:
                    - username: agent
                      password: ${file:%s}
                kafka:
                  bootstrap_servers: %s
                  topic: %s
                  producer:
                    security.protocol: SASL_PLAINTEXT
                    sasl.mechanism: PLAIN
                    sasl.jaas.config: ${env:DLS_KAFKA_JAAS}
                """.formatted(passwordFile, kafka.saslBootstrap(), topic));
        return yaml;
    }

    private ProcessBuilder receiver(Path log, String saslPassword, String... args) {
        ProcessBuilder pb = ReceiverJarIT.java(log, args);
        Map<String, String> env = pb.environment();
        env.put("LOG_LEVEL", "DEBUG");
        env.put("RECEIVER_SECURITY_SHARED_KEY", SHARED_KEY);
        // Kafka's KIP-887 provider: the client reads DLS_KAFKA_JAAS itself when it builds its config.
        env.put("RECEIVER_KAFKA_PRODUCER_CONFIG_PROVIDERS", "env");
        env.put("RECEIVER_KAFKA_PRODUCER_CONFIG_PROVIDERS_ENV_CLASS",
                "org.apache.kafka.common.config.provider.EnvVarConfigProvider");
        env.put("DLS_KAFKA_JAAS", KafkaProcess.plainJaas("dls", saslPassword));
        return pb;
    }

    private static void assertNoSecret(Path log) throws IOException {
        String out = Files.readString(log, StandardCharsets.UTF_8);
        for (String secret : SECRETS) {
            assertThat(out).as("log output of %s", log.getFileName()).doesNotContain(secret);
        }
    }

    @Test
    void secretsFromEnvironmentAndFilesWorkAndNeverReachTheLog() throws Exception {
        String topic = "secrets-" + UUID.randomUUID().toString().substring(0, 8);
        kafka.createTopic(topic, 1);
        Path yaml = config(topic);

        Path checkLog = dir.resolve("check-config.log");
        Process check = receiver(checkLog, SASL_PASSWORD, "--config", yaml.toString(), "--check-config").start();
        assertThat(check.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(Files.readString(checkLog)).contains("configuration OK");
        assertThat(check.exitValue()).isZero();
        assertNoSecret(checkLog);

        int port = ReceiverJarIT.freePort();
        int metricsPort = ReceiverJarIT.freePort();
        Path log = dir.resolve("receiver.log");
        Process p = receiver(log, SASL_PASSWORD, "--config", yaml.toString(), "--port", String.valueOf(port),
                "--metrics-port", String.valueOf(metricsPort)).start();
        try {
            await().atMost(Duration.ofSeconds(60)).until(() -> Files.readString(log).contains("listening forward="));
            assertThat(Files.readString(log)).contains("handshake=true", "kafka ready topic=" + topic);

            // npm @fluent-org/logger, a third-party client, passes the handshake with key, user and password.
            ExternalClient.Result client = ExternalClient.node("{\"port\": " + port + ", \"count\": 5, \"sharedKey\": \""
                    + SHARED_KEY + "\", \"username\": \"agent\", \"password\": \"" + USER_PASSWORD + "\"}");
            assertThat(client.output()).contains("acked 5");
            assertThat(TestKafka.consume(kafka.bootstrap(), topic, 5, Duration.ofSeconds(30))).hasSize(5);

            // The health probe is a second Kafka client (admin); it needs the config providers as well.
            await().during(Duration.ofSeconds(6)).atMost(Duration.ofSeconds(10))
                    .until(() -> status(metricsPort) == 200);
        } finally {
            p.destroy();
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("exits after SIGTERM").isTrue();
        }
        assertNoSecret(log);
    }

    @Test
    void wrongSaslPasswordIsRefusedAndNothingIsAcked() throws Exception {
        String topic = "secrets-bad-" + UUID.randomUUID().toString().substring(0, 8);
        kafka.createTopic(topic, 1);
        int port = ReceiverJarIT.freePort();
        int metricsPort = ReceiverJarIT.freePort();
        Path log = dir.resolve("wrong-sasl.log");
        Process p = receiver(log, WRONG_SASL_PASSWORD, "--config", config(topic).toString(),
                "--port", String.valueOf(port), "--metrics-port", String.valueOf(metricsPort)).start();
        try {
            await().atMost(Duration.ofSeconds(60)).until(() -> Files.readString(log).contains("kafka refused authentication"));
            assertThat(Files.readString(log)).contains("Authentication failed").doesNotContain("listening forward=");
            assertThat(status(metricsPort)).as("/health").isEqualTo(503);
            // Agents cannot hand it anything to lose: the forward port stays closed until Kafka accepts the login.
            assertThatThrownBy(() -> {
                try (Socket s = new Socket()) {
                    s.connect(new InetSocketAddress("127.0.0.1", port), 2000);
                }
            }).isInstanceOf(ConnectException.class);
        } finally {
            p.destroy();
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("exits after SIGTERM").isTrue();
        }
        assertThat(TestKafka.consume(kafka.bootstrap(), topic, 1, Duration.ofSeconds(2))).isEmpty();
        assertNoSecret(log);
    }

    private static int status(int metricsPort) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + metricsPort + "/health")).build(),
                HttpResponse.BodyHandlers.discarding()).statusCode();
    }
}
