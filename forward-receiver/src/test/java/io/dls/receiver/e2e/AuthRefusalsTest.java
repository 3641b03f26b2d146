package io.dls.receiver.e2e;

import io.dls.receiver.support.ExternalClient;
import io.dls.receiver.support.PeerLogs;
import io.dls.receiver.support.Receivers;
import io.dls.testing.TestKafka;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Every way the receiver refuses a client's credentials, driven by a real third-party client (npm
 * {@code @fluent-org/logger}): the client gets nothing acked, the operator gets a log line that says why
 * and a counted metric, and nothing reaches Kafka. A client with the right credentials on the same
 * receiver is acked, so each refusal is down to the credential, not to the setup.
 */
class AuthRefusalsTest {
    private static final String TLS = "../resources/tls/";
    private final PeerLogs logs = PeerLogs.start();
    private Receivers.Running receiver;

    @AfterEach
    void stop() {
        logs.close();
        if (receiver != null) {
            receiver.close();
        }
    }

    private Receivers.Running startWithUsers() {
        return Receivers.start(Map.of("security.shared_key", "fleet-key", "security.self_hostname", "receiver.test",
                "security.user_auth", "true", "security.users", "[{username: agent, password: agent-pw}]"));
    }

    private ExternalClient.Result node(String sharedKey, String password) {
        return ExternalClient.node("{\"port\": " + receiver.port() + ", \"count\": 3, \"sharedKey\": \"" + sharedKey
                + "\", \"username\": \"agent\", \"password\": \"" + password + "\"}");
    }

    /** The value of {@code fluent_receiver_protocol_errors_total{reason}} as /metrics shows it; 0 when absent. */
    private double protocolErrors(String reason) {
        Matcher m = Pattern.compile("fluent_receiver_protocol_errors_total\\{reason=\"" + reason + "\"} (\\S+)")
                .matcher(receiver.metricsText());
        return m.find() ? Double.parseDouble(m.group(1)) : 0;
    }

    @Test
    void wrongSharedKey() {
        receiver = startWithUsers();
        ExternalClient.Result res = node("not-the-fleet-key", "agent-pw");
        assertThat(res.output()).doesNotContain("acked 3").contains("failed");
        assertThat(protocolErrors("auth")).isEqualTo(1);
        assertThat(logs.matching("WARN handshake refused", "username=agent", "shared_key mismatch"))
                .hasSize(1);
        assertThat(TestKafka.consume(receiver.topic, 1, Duration.ofSeconds(2))).isEmpty();

        assertThat(node("fleet-key", "agent-pw").output()).contains("acked 3");
        assertThat(protocolErrors("auth")).isEqualTo(1);
    }

    @Test
    void wrongUserPassword() {
        receiver = startWithUsers();
        ExternalClient.Result res = node("fleet-key", "guessed-pw");
        assertThat(res.output()).doesNotContain("acked 3").contains("failed");
        assertThat(protocolErrors("auth")).isEqualTo(1);
        assertThat(logs.matching("WARN handshake refused", "username=agent", "username/password mismatch"))
                .hasSize(1);
        // The log names the user, never the password it tried.
        assertThat(logs.anywhere("guessed-pw")).isEmpty();
        assertThat(TestKafka.consume(receiver.topic, 1, Duration.ofSeconds(2))).isEmpty();

        assertThat(node("fleet-key", "agent-pw").output()).contains("acked 3");
        assertThat(protocolErrors("auth")).isEqualTo(1);
    }

    @Test
    void missingClientCertificate() {
        receiver = Receivers.start(Map.of("transport.protocol", "tls",
                "transport.cert_path", TlsTest.DIR + "server.pem", "transport.private_key_path", TlsTest.DIR + "server.key",
                "transport.ca_path", TlsTest.DIR + "ca.pem", "transport.client_cert_auth", "true"));
        ExternalClient.Result res = ExternalClient.node("{\"port\": " + receiver.port() + ", \"count\": 3,"
                + " \"ca\": \"" + TLS + "ca.pem\"}");
        assertThat(res.output()).doesNotContain("acked 3").contains("failed");
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
            assertThat(protocolErrors("client_cert")).isEqualTo(1);
            assertThat(logs.matching("WARN client certificate refused")).hasSize(1);
        });
        assertThat(TestKafka.consume(receiver.topic, 1, Duration.ofSeconds(2))).isEmpty();

        ExternalClient.Result withCert = ExternalClient.node("{\"port\": " + receiver.port() + ", \"count\": 3,"
                + " \"ca\": \"" + TLS + "ca.pem\", \"cert\": \"" + TLS + "client.pem\", \"key\": \"" + TLS + "client.key\"}");
        assertThat(withCert.output()).contains("acked 3");
        assertThat(protocolErrors("client_cert")).isEqualTo(1);
    }
}
