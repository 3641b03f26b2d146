package io.dls.receiver.e2e;

import io.dls.testing.TestKafka;
import org.junit.jupiter.api.Test;
import org.komamitsu.fluency.Fluency;
import org.komamitsu.fluency.fluentd.FluencyBuilderForFluentd;

import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The shaded jar, run the way an operator runs it: java -jar, flags, SIGTERM. */
class ReceiverJarIT {
    private static final File JAR = new File("target/forward-receiver.jar");

    private static ProcessBuilder java(Path log, String... args) {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-jar", JAR.getAbsolutePath()));
        cmd.addAll(List.of(args));
        return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    @Test
    void helpListsTheOperatorFlags() throws Exception {
        Path log = Files.createTempFile("help", ".log");
        Process p = java(log, "--help").start();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).isZero();
        assertThat(Files.readString(log)).contains("--port", "--bind", "--kafka-bootstrap", "--topic", "--config",
                "--set", "--metrics-port");
    }

    @Test
    void badConfigurationSaysWhatToFix() throws Exception {
        Path cfg = Files.createTempFile("bad", ".yaml");
        Files.writeString(cfg, "chunk_size_limt: 1m\n");
        Path log = Files.createTempFile("bad", ".log");
        Process p = java(log, "--config", cfg.toString()).start();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).isEqualTo(2);
        assertThat(Files.readString(log)).contains("configuration error", "unknown setting 'chunk_size_limt'");
    }

    @Test
    void runsPublishesAndStopsCleanlyOnSigterm() throws Exception {
        String topic = TestKafka.newTopic("jar", 2);
        int port = freePort();
        int metricsPort = freePort();
        Path log = Files.createTempFile("receiver", ".log");
        Process p = java(log, "--port", String.valueOf(port), "--bind", "127.0.0.1", "--kafka-bootstrap",
                TestKafka.bootstrap(), "--topic", topic, "--metrics-port", String.valueOf(metricsPort)).start();
        try {
            await().atMost(Duration.ofSeconds(60)).until(() -> Files.readString(log).contains("listening forward="));
            FluencyBuilderForFluentd b = new FluencyBuilderForFluentd();
            b.setAckResponseMode(true);
            try (Fluency f = b.build("127.0.0.1", port)) {
                for (int i = 0; i < 100; i++) {
                    f.emit("jar.app", Map.of("message", "from the jar " + i));
                }
                f.flush();
                assertThat(f.waitUntilAllBufferFlushed(30)).isTrue();
            }
            assertThat(TestKafka.consume(topic, 100, Duration.ofSeconds(30))).hasSize(100);
        } finally {
            p.destroy(); // SIGTERM
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("exits after SIGTERM").isTrue();
        }
        String out = Files.readString(log, StandardCharsets.UTF_8);
        assertThat(out).contains("shutting down", "forward server stopped").doesNotContain("level=ERROR");
        assertThat(out.lines().filter(l -> l.contains("msg=")).allMatch(l -> l.contains("level=")))
                .as("one structured line per log event").isTrue();
    }
}
