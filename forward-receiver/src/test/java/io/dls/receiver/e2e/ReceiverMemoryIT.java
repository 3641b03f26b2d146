package io.dls.receiver.e2e;

import io.dls.testing.TestKafka;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Half-sent frames against the jar run with the documented JVM flags: 200 connections each send 30 MiB of
 * a 30 MiB+ frame and then nothing, while a good client sends 10,000 acked events. The half frames beyond
 * the budget are refused with a counted reason, every good event arrives, there is no OutOfMemoryError, and
 * the process's peak resident memory stays under 512 MiB.
 */
class ReceiverMemoryIT {
    private static final int CONNECTIONS = 200;
    private static final int HALF_FRAME = 30 << 20;

    @Test
    void halfFramesAreBoundedByOneBudgetWhileAGoodClientIsServed() throws Exception {
        String topic = TestKafka.newTopic("jar-half-frames", 1);
        int port = ReceiverJarIT.freePort();
        Path log = Files.createTempFile("receiver-memory", ".log");
        Process p = ReceiverJarIT.startJar(log, port, topic);
        List<Socket> sockets = new ArrayList<>();
        ExecutorService pool = Executors.newFixedThreadPool(CONNECTIONS);
        try {
            // [tag, bin32 of 31 MiB ...: the frame never completes.
            byte[] head = {(byte) 0x93, (byte) 0xa1, 'h', (byte) 0xc6, 0x01, (byte) 0xf0, 0, 0};
            byte[] slice = new byte[64 * 1024];
            List<Future<Boolean>> holders = new ArrayList<>();
            for (int i = 0; i < CONNECTIONS; i++) {
                Socket s = new Socket("127.0.0.1", port);
                sockets.add(s);
                holders.add(pool.submit(() -> {
                    try {
                        OutputStream out = s.getOutputStream();
                        out.write(head);
                        for (int sent = 0; sent < HALF_FRAME; sent += slice.length) {
                            out.write(slice);
                        }
                        out.flush();
                        return true; // all of it went out; the receiver may hold it
                    } catch (IOException refused) {
                        return false; // the receiver closed the connection
                    }
                }));
            }
            ReceiverJarIT.sendAcked(port, 10_000, "while half frames are held");
            assertThat(TestKafka.consume(topic, 10_000, Duration.ofSeconds(60))).hasSize(10_000);
            int refused = 0;
            for (Future<Boolean> h : holders) {
                refused += h.get(120, TimeUnit.SECONDS) ? 0 : 1;
            }
            assertThat(refused).as("half frames refused").isGreaterThanOrEqualTo(CONNECTIONS - 10);
            assertThat(p.isAlive()).isTrue();
            long peakKib = peakResidentKib(p.pid());
            assertThat(peakKib).as("peak RSS of the receiver, KiB").isLessThan(512 * 1024);
            System.out.println("receiver peak RSS " + peakKib / 1024 + " MiB, half frames refused " + refused);
        } finally {
            for (Socket s : sockets) {
                s.close();
            }
            pool.shutdownNow();
            p.destroy();
            p.waitFor(60, TimeUnit.SECONDS);
        }
        String out = Files.readString(log, StandardCharsets.UTF_8);
        assertThat(out).doesNotContain("OutOfMemoryError");
        assertThat(out.lines().filter(l -> l.contains("reason=memory_budget")).count())
                .as("each refused half frame is a counted, logged protocol error")
                .isGreaterThanOrEqualTo(CONNECTIONS - 10);
    }

    /** VmHWM: the most the process has ever had resident. */
    static long peakResidentKib(long pid) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            if (line.startsWith("VmHWM:")) {
                return Long.parseLong(line.replaceAll("\\D", ""));
            }
        }
        throw new IllegalStateException("no VmHWM for " + pid);
    }
}
