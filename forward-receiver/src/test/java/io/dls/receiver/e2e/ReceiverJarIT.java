package io.dls.receiver.e2e;

import io.dls.receiver.support.Msgpack;
import io.dls.receiver.support.ServerHangup;
import io.dls.testing.TestKafka;
import org.junit.jupiter.api.Test;
import org.komamitsu.fluency.Fluency;
import org.komamitsu.fluency.fluentd.FluencyBuilderForFluentd;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The shaded jar, run the way an operator runs it: java -jar, flags, SIGTERM. */
class ReceiverJarIT {
    private static final File JAR = new File("target/forward-receiver.jar");

    /**
     * The JVM options README.md documents for the receiver, and the Dockerfile and ./dls use: a bounded heap
     * and direct memory (the half-frame budget is a third of it), so the process stays under 512 MiB resident.
     */
    static final List<String> JVM_FLAGS = List.of("-Xmx256m", "-XX:MaxDirectMemorySize=192m",
            "-XX:+ExitOnOutOfMemoryError");

    /** {@code java -jar} on the shaded jar, output to {@code log}; ReceiverSecretsIT adds its environment. */
    static ProcessBuilder java(Path log, String... args) {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        cmd.addAll(JVM_FLAGS);
        cmd.addAll(List.of("-jar", JAR.getAbsolutePath()));
        cmd.addAll(List.of(args));
        return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /** The one documented command, the Dockerfile and ./dls start the receiver with the same JVM options. */
    @Test
    void documentedJvmOptionsAreTheOnesEverywhere() throws Exception {
        String readme = Files.readString(Path.of("../README.md"));
        assertThat(readme).contains("java " + String.join(" ", JVM_FLAGS) + " -jar forward-receiver/target/forward-receiver.jar");
        assertThat(Files.readString(Path.of("Dockerfile")))
                .contains("[\"java\", \"" + String.join("\", \"", JVM_FLAGS) + "\", \"-jar\"");
        String dls = Files.readString(Path.of("../dls"));
        assertThat(dls).contains("-Xmx\"${SET[RECEIVER_HEAP]}\" " + String.join(" ", JVM_FLAGS.subList(1, JVM_FLAGS.size())))
                .contains("--receiver-heap SIZE (" + JVM_FLAGS.get(0).substring(4) + ")");
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
        Path log = Files.createTempFile("receiver", ".log");
        Process p = startJar(log, port, topic);
        try {
            sendAcked(port, 100, "from the jar");
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

    /**
     * Bombs at the default limits, several at once, against the jar with the heap ./dls gives it (256 MiB):
     * each is refused, the process lives on, and a well-behaved client is acked afterwards.
     */
    @Test
    void concurrentDecompressionBombsAtTheDefaultLimitsDoNotExhaustTheHeap() throws Exception {
        String topic = TestKafka.newTopic("jar-bombs", 1);
        int port = freePort();
        Path log = Files.createTempFile("receiver", ".log");
        Process p = startJar(log, port, topic);
        try {
            // 1 GiB of zeros each (about 1 MiB of gzip on the wire), far past the 32m default cap.
            byte[] bomb = gzipBomb(1 << 30);
            List<CompletableFuture<Void>> senders = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                senders.add(CompletableFuture.runAsync(() -> {
                    try (Socket s = new Socket("127.0.0.1", port)) {
                        s.getOutputStream().write(bomb);
                        s.getOutputStream().flush();
                        // The server closes the connection (end of stream or reset) without answering.
                        assertThat(ServerHangup.await(s, Duration.ofSeconds(30))).isEmpty();
                    } catch (SocketException reset) {
                        // closed by the server while we were still writing: also a refusal
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                }));
            }
            for (CompletableFuture<Void> f : senders) {
                f.get(60, TimeUnit.SECONDS);
            }
            assertThat(p.isAlive()).as("receiver alive after the bombs").isTrue();
            sendAcked(port, 50, "after the bombs");
            assertThat(TestKafka.consume(topic, 50, Duration.ofSeconds(30))).hasSize(50);
        } finally {
            p.destroy();
            p.waitFor(60, TimeUnit.SECONDS);
        }
        String out = Files.readString(log, StandardCharsets.UTF_8);
        assertThat(out).doesNotContain("OutOfMemoryError");
        assertThat(out.lines().filter(l -> l.contains("decompressed_too_large")).count()).isEqualTo(6);
    }

    /** The jar as a process on loopback, once it listens. */
    static Process startJar(Path log, int port, String topic) throws IOException {
        Process p = java(log, "--port", String.valueOf(port), "--bind", "127.0.0.1", "--kafka-bootstrap",
                TestKafka.bootstrap(), "--topic", topic, "--metrics-port", String.valueOf(freePort())).start();
        await().atMost(Duration.ofSeconds(60)).until(() -> Files.readString(log).contains("listening forward="));
        return p;
    }

    /** {@code n} events from Fluency, each acknowledged by the receiver. */
    static void sendAcked(int port, int n, String message) throws Exception {
        FluencyBuilderForFluentd b = new FluencyBuilderForFluentd();
        b.setAckResponseMode(true);
        try (Fluency f = b.build("127.0.0.1", port)) {
            for (int i = 0; i < n; i++) {
                f.emit("jar.app", Map.of("message", message + " " + i));
            }
            f.flush();
            assertThat(f.waitUntilAllBufferFlushed(30)).isTrue();
        }
    }

    /** A CompressedPackedForward message whose gzip entries inflate to {@code size} zero bytes (a multiple of 1 MiB). */
    private static byte[] gzipBomb(int size) {
        return Msgpack.compressedForward("bomb", Msgpack.gzip(new byte[1 << 20], size >> 20), "gzip");
    }
}
