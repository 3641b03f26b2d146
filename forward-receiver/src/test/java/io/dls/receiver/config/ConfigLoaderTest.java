package io.dls.receiver.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ConfigLoaderTest {
    @TempDir
    Path dir;

    private final ConfigLoader loader = new ConfigLoader();

    private Path yaml(String text) throws IOException {
        Path f = dir.resolve("receiver.yaml");
        Files.writeString(f, text);
        return f;
    }

    @Test
    void defaultsMatchFluentdAndTheContract() {
        ReceiverConfig c = loader.load(null, Map.of(), Map.of());
        assertThat(c.port()).isEqualTo(24224);
        assertThat(c.bind()).isEqualTo("0.0.0.0");
        assertThat(c.kafka().topic()).isEqualTo("logs.raw");
        assertThat(c.kafka().bootstrapServers()).isEqualTo("127.0.0.1:9092");
        assertThat(c.metrics().port()).isEqualTo(24231);
        assertThat(c.skipInvalidEvent()).isTrue();
        assertThat(c.security().enabled()).isFalse();
        assertThat(c.transport().tls()).isFalse();
        assertThat(c.chunkSizeLimit().bytes()).isEqualTo(32L << 20);
    }

    @Test
    void layersFileThenEnvironmentThenOverrides() throws IOException {
        Path f = yaml("""
                port: 25000
                chunk_size_limit: 8m
                security:
                  shared_key: from-file
                  self_hostname: recv1
                kafka:
                  topic: from-file
                  producer:
                    compression.type: zstd
                """);
        ReceiverConfig c = loader.load(f,
                Map.of("RECEIVER_KAFKA_TOPIC", "from-env", "RECEIVER_IDLE_TIMEOUT", "5m",
                        "RECEIVER_KAFKA_PRODUCER_SASL_MECHANISM", "PLAIN", "HOME", "/root"),
                Map.of("port", "26000"));
        assertThat(c.port()).isEqualTo(26000);
        assertThat(c.kafka().topic()).isEqualTo("from-env");
        assertThat(c.chunkSizeLimit().bytes()).isEqualTo(8L << 20);
        assertThat(c.idleTimeout().duration()).hasMinutes(5);
        assertThat(c.security().sharedKey()).isEqualTo("from-file");
        assertThat(c.kafka().producer()).containsEntry("compression.type", "zstd").containsEntry("sasl.mechanism", "PLAIN");
        assertThat(c.kafkaSink().producer()).containsEntry("sasl.mechanism", "PLAIN");
    }

    @Test
    void secretsFromEnvironmentOrFileReferences() throws IOException {
        Path secret = dir.resolve("key.txt");
        Files.writeString(secret, "file-secret\n");
        Path f = yaml("""
                security:
                  shared_key: ${file:%s}
                  user_auth: true
                  users:
                    - username: ops
                      password: ${env:OPS_PASSWORD}
                """.formatted(secret));
        ReceiverConfig c = loader.load(f, Map.of("OPS_PASSWORD", "pw"), Map.of());
        assertThat(c.security().sharedKey()).isEqualTo("file-secret");
        assertThat(c.security().users()).singleElement().satisfies(u -> assertThat(u.password()).isEqualTo("pw"));
        assertThatThrownBy(() -> loader.load(f, Map.of(), Map.of()))
                .hasMessageContaining("OPS_PASSWORD").hasMessageContaining("not set");
    }

    @Test
    void numericLookingKeysStayStrings() {
        ReceiverConfig c = loader.load(null, Map.of("RECEIVER_SECURITY_SHARED_KEY", "12345"), Map.of());
        assertThat(c.security().sharedKey()).isEqualTo("12345");
    }

    @Test
    void unknownSettingInFileIsNamed() throws IOException {
        Path f = yaml("port: 1\nchunk_limit: 5\n");
        assertThatThrownBy(() -> loader.load(f, Map.of(), Map.of()))
                .hasMessageContaining("receiver.yaml").hasMessageContaining("unknown setting 'chunk_limit'");
    }

    @Test
    void badValuesNameTheSetting() throws IOException {
        assertThatThrownBy(() -> loader.load(yaml("chunk_size_limit: lots\n"), Map.of(), Map.of()))
                .hasMessageContaining("chunk_size_limit").hasMessageContaining("not a size");
        assertThatThrownBy(() -> loader.load(yaml("port: 70000\n"), Map.of(), Map.of()))
                .hasMessageContaining("port must be 0 to 65535");
        assertThatThrownBy(() -> loader.load(yaml("transport:\n  protocol: tls\n"), Map.of(), Map.of()))
                .hasMessageContaining("transport.cert_path");
        assertThatThrownBy(() -> loader.load(yaml("security:\n  user_auth: true\n  shared_key: k\n"), Map.of(), Map.of()))
                .hasMessageContaining("security.users is empty");
        assertThatThrownBy(() -> loader.load(yaml("kafka:\n  topic: 'bad topic'\n"), Map.of(), Map.of()).kafkaSink())
                .hasMessageContaining("kafka.topic");
    }

    @Test
    void unknownEnvironmentVariableIsReportedAndUnknownOverrideRefused() {
        ReceiverConfig c = loader.load(null, Map.of("RECEIVER_PROT", "1", "RECEIVER_JAVA_OPTS", "-Xmx1g"), Map.of());
        assertThat(c.port()).isEqualTo(24224);
        assertThat(loader.ignoredEnvironment()).containsExactlyInAnyOrder("RECEIVER_PROT", "RECEIVER_JAVA_OPTS");
        assertThatThrownBy(() -> loader.load(null, Map.of(), Map.of("security.sharedkey", "x")))
                .hasMessageContaining("'security.sharedkey' is not a receiver setting");
    }

    @Test
    void notYaml() throws IOException {
        assertThatThrownBy(() -> loader.load(yaml("port: [\n"), Map.of(), Map.of()))
                .hasMessageContaining("not valid YAML");
        assertThatThrownBy(() -> loader.load(dir.resolve("missing.yaml"), Map.of(), Map.of()))
                .hasMessageContaining("does not exist");
    }
}
