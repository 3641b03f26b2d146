package io.dls.receiver.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Where secrets may come from: environment, files, and Kafka's own config providers for producer properties. */
class SecretReferencesTest {
    @TempDir
    Path dir;

    private final ConfigLoader loader = new ConfigLoader();

    @Test
    void anEnvironmentVariableMayPointAtAFile() throws IOException {
        // Docker/Kubernetes secrets are files: RECEIVER_X='${file:/run/secrets/x}' reads one, minus its newline.
        Path key = dir.resolve("shared_key");
        Files.writeString(key, "from-a-mounted-secret\n");
        ReceiverConfig c = loader.load(null, Map.of("RECEIVER_SECURITY_SHARED_KEY", "${file:" + key + "}"), Map.of());
        assertThat(c.security().sharedKey()).isEqualTo("from-a-mounted-secret");
    }

    @Test
    void usersPasswordsMayComeFromFilesToo() throws IOException {
        Path pw = dir.resolve("agent");
        Files.writeString(pw, "agent-pw\n");
        ReceiverConfig c = loader.load(null, Map.of("RECEIVER_SECURITY_SHARED_KEY", "k",
                "RECEIVER_SECURITY_USER_AUTH", "true",
                "RECEIVER_SECURITY_USERS", "[{username: agent, password: '${file:" + pw + "}'}]"), Map.of());
        assertThat(c.security().users()).singleElement()
                .satisfies(u -> assertThat(u.password()).isEqualTo("agent-pw"));
    }

    @Test
    void producerReferencesAreOursWithoutKafkaConfigProviders() {
        ReceiverConfig c = loader.load(null, Map.of("JAAS", "jaas-from-env",
                "RECEIVER_KAFKA_PRODUCER_SASL_JAAS_CONFIG", "${env:JAAS}"), Map.of());
        assertThat(c.kafka().producer()).containsEntry("sasl.jaas.config", "jaas-from-env");
    }

    @Test
    void producerReferencesAreLeftToKafkaWhenItsConfigProvidersAreSet() {
        // ${file:path:key} is FileConfigProvider syntax; read as ours it would name a file "path:key".
        Map<String, String> env = Map.of("RECEIVER_KAFKA_PRODUCER_CONFIG_PROVIDERS", "file",
                "RECEIVER_KAFKA_PRODUCER_CONFIG_PROVIDERS_FILE_CLASS",
                "org.apache.kafka.common.config.provider.FileConfigProvider",
                "RECEIVER_KAFKA_PRODUCER_SASL_JAAS_CONFIG", "${file:/run/secrets/kafka.properties:jaas}",
                "RECEIVER_SECURITY_SHARED_KEY", "${env:KEY}", "KEY", "still-ours");
        ReceiverConfig c = loader.load(null, env, Map.of());
        assertThat(c.kafka().producer())
                .containsEntry("sasl.jaas.config", "${file:/run/secrets/kafka.properties:jaas}")
                .containsEntry("config.providers.file.class", "org.apache.kafka.common.config.provider.FileConfigProvider");
        assertThat(c.security().sharedKey()).isEqualTo("still-ours");
    }
}
