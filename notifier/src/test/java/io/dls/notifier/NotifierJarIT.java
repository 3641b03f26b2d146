package io.dls.notifier;

import io.dls.testing.TestKafka;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The shaded jar as a process with the command line ./dls would use: an alert reaches Alertmanager, SIGTERM stops it. */
class NotifierJarIT {

    @Test
    void theJarPostsAnAlertAndStopsOnSigterm() throws Exception {
        Path jar = Path.of("target/notifier.jar");
        assertThat(jar).exists();
        String topic = TestKafka.newTopic("alerts", 3);
        Path log = Files.createTempFile(Path.of("target"), "notifier-jar-", ".log");
        try (AlertmanagerProcess am = AlertmanagerProcess.startQuiet();
             KafkaProducer<String, String> p = AlertDocs.producer(TestKafka.bootstrap())) {
            Process notifier = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Xmx128m", "-jar", jar.toString(),
                    "--bootstrap-servers", TestKafka.bootstrap(), "--topic", topic, "--group", "jar-it",
                    "--alertmanager-url", am.url(), "--resend-interval", "30s", "--look-back", "1h")
                    .redirectErrorStream(true).redirectOutput(log.toFile()).start();
            try {
                await("notifier consuming").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100))
                        .until(() -> Files.readString(log).contains("assigned ["));
                AlertDocs.send(p, topic, "node-9", AlertDocs.heartbeatTimeout("node-9", Instant.now(), Map.of()));
                await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(100))
                        .until(() -> am.find(Map.of("alertname", "heartbeat-timeout", "host", "node-9")), Optional::isPresent);
            } finally {
                notifier.destroy();
                assertThat(notifier.waitFor(20, TimeUnit.SECONDS)).as("stopped on SIGTERM").isTrue();
            }
            String out = Files.readString(log);
            assertThat(out).contains("notifier stopped: records_read=1").doesNotContain("ERROR");
            assertThat(List.of(143, 0)).contains(notifier.exitValue());
        }
    }
}
