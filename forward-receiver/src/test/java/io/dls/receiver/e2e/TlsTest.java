package io.dls.receiver.e2e;

import io.dls.receiver.support.ExternalClient;
import io.dls.receiver.support.Msgpack;
import io.dls.receiver.support.PeerLogs;
import io.dls.receiver.support.Receivers;
import io.dls.testing.TestKafka;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.komamitsu.fluency.Fluency;
import org.komamitsu.fluency.fluentd.FluencyBuilderForFluentd;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import java.io.FileInputStream;
import java.io.InputStream;
import java.net.Socket;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** TLS like Fluentd's {@code <transport tls>}: real clients over TLS, client certificates, and garbage. */
class TlsTest {
    static final String DIR = "src/test/resources/tls/";
    private Receivers.Running receiver;

    @AfterEach
    void stop() {
        if (receiver != null) {
            receiver.close();
        }
    }

    private Receivers.Running startTls(boolean clientCertAuth) {
        return Receivers.start(Map.of("transport.protocol", "tls", "transport.cert_path", DIR + "server.pem",
                "transport.private_key_path", DIR + "server.key", "transport.ca_path", DIR + "ca.pem",
                "transport.client_cert_auth", Boolean.toString(clientCertAuth)));
    }

    static SSLContext trustingTestCa() throws Exception {
        KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
        ks.load(null, null);
        try (InputStream in = new FileInputStream(DIR + "ca.pem")) {
            ks.setCertificateEntry("ca", CertificateFactory.getInstance("X.509").generateCertificate(in));
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(ks);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, tmf.getTrustManagers(), null);
        return ctx;
    }

    @Test
    void fluencyOverTlsWithAck() throws Exception {
        receiver = startTls(false);
        FluencyBuilderForFluentd b = new FluencyBuilderForFluentd();
        b.setSslEnabled(true);
        b.setSslSocketFactory(trustingTestCa().getSocketFactory());
        b.setAckResponseMode(true);
        b.setFlushAttemptIntervalMillis(100);
        try (Fluency fluency = b.build("127.0.0.1", receiver.port())) {
            for (int i = 0; i < 100; i++) {
                fluency.emit("tls.app", Map.of("message", "over tls " + i));
            }
            fluency.flush();
            fluency.waitUntilAllBufferFlushed(20);
        }
        assertThat(TestKafka.consume(receiver.topic, 100, Duration.ofSeconds(30))).hasSize(100)
                .allSatisfy(r -> assertThat(Msgpack.read(r.value()).toString()).startsWith("{\"message\":\"over tls"));
    }

    @Test
    void clientCertificateRequired() {
        receiver = startTls(true);
        ExternalClient.Result withCert = ExternalClient.node("{\"port\": " + receiver.port() + ", \"count\": 5,"
                + " \"ca\": \"../resources/tls/ca.pem\", \"cert\": \"../resources/tls/client.pem\","
                + " \"key\": \"../resources/tls/client.key\"}");
        assertThat(withCert.output()).contains("acked 5");
        ExternalClient.Result without = ExternalClient.node("{\"port\": " + receiver.port() + ", \"count\": 1,"
                + " \"ca\": \"../resources/tls/ca.pem\"}");
        assertThat(without.output()).doesNotContain("acked 1").contains("failed");
        assertThat(TestKafka.consume(receiver.topic, 5, Duration.ofSeconds(20))).hasSize(5);
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
                assertThat(receiver.metricsText()).contains("fluent_receiver_protocol_errors_total{reason=\"client_cert\"}"));
    }

    /**
     * An agent that does not trust our certificate (wrong CA on its side) aborts the handshake. Java's engine
     * reported that as "Insufficient buffer remaining for AEAD cipher fragment"; the log now says what
     * happened.
     */
    @Test
    void agentThatDistrustsOurCertificateIsLoggedAsSuch() throws Exception {
        receiver = startTls(false);
        try (PeerLogs logs = PeerLogs.start()) {
            ExternalClient.Result wrongCa = ExternalClient.node("{\"port\": " + receiver.port() + ", \"count\": 1,"
                    + " \"ca\": \"../resources/tls/client.pem\"}");
            assertThat(wrongCa.output()).doesNotContain("acked 1").contains("failed");
            assertThat(openssl(receiver.port(), DIR + "client.pem")).as("OpenSSL, as Fluentd and Fluent Bit use")
                    .contains("verify error");
            await().atMost(Duration.ofSeconds(10)).until(() -> logs.matching("tls handshake failed").size() == 2);
            List<String> lines = logs.matching("tls handshake failed");
            assertThat(lines.get(0)).as("Node hangs up").contains("does not trust our certificate", "tls.ca_file");
            assertThat(lines.get(1)).as("OpenSSL sends an alert Java calls an AEAD fragment")
                    .contains("client refused our certificate", "tls_ca_cert_path")
                    .startsWith("WARN tls handshake failed peer=");
        }
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(receiver.metricsText())
                .contains("fluent_receiver_protocol_errors_total{reason=\"tls\"} 2.0"));
    }

    /** {@code openssl s_client} trusting only {@code caFile}, sending nothing; its output. */
    static String openssl(int port, String caFile) throws Exception {
        Process p = new ProcessBuilder("openssl", "s_client", "-connect", "127.0.0.1:" + port, "-CAfile", caFile,
                "-verify_return_error", "-servername", "localhost").redirectErrorStream(true).start();
        p.getOutputStream().close();
        assertThat(p.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
        return new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    }

    @Test
    void plainMsgpackOnTheTlsPortIsClosed() throws Exception {
        receiver = startTls(false);
        try (Socket s = new Socket("127.0.0.1", receiver.port())) {
            s.setSoTimeout(5000);
            s.getOutputStream().write(Msgpack.pack(p -> {
                p.packArrayHeader(3).packString("plain").packLong(1);
                Msgpack.writeRecord(p, Map.of("message", "not encrypted"));
            }));
            s.getOutputStream().flush();
            assertThat(s.getInputStream().read()).as("server closes the connection").isEqualTo(-1);
        }
        // SslHandler closes the socket before the error reaches the counting handler: wait for the count.
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(receiver.metricsText())
                .contains("fluent_receiver_protocol_errors_total{reason=\"tls\"} 1.0"));
        assertThat(TestKafka.consume(receiver.topic, 1, Duration.ofSeconds(2))).isEmpty();
    }
}
