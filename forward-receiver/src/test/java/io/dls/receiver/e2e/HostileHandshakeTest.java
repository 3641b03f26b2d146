package io.dls.receiver.e2e;

import io.dls.receiver.support.ForwardSocket;
import io.dls.receiver.support.PeerLogs;
import io.dls.receiver.support.Msgpack;
import io.dls.receiver.support.Receivers;
import io.dls.receiver.support.ServerHangup;
import io.dls.receiver.support.TopicWatcher;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.msgpack.core.MessagePack;
import org.msgpack.core.MessagePackException;
import org.msgpack.core.MessageUnpacker;
import org.msgpack.value.Value;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import java.io.IOException;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.LongStream;

import static io.dls.receiver.support.Msgpack.pack;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.awaitility.Awaitility.await;

/**
 * Issue 5, bad input on a secured receiver (TLS and a shared key, as a Fluentd {@code <security>} plus
 * {@code <transport tls>} aggregator): plain forward frames on the TLS port, and a seeded fuzz of the
 * HELO / PING exchange. A well-behaved client (TLS, correct handshake, a numbered chunk with an ack every
 * 20 ms; Fluency cannot do the shared-key handshake, so it is written here) runs on its own connection the
 * whole time. Each hostile connection must be closed, counted once, logged once, never authenticated.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class HostileHandshakeTest {
    private static final String KEY = "hostile-test-key";
    private static final long SEED = 20261124L;
    private static final int TRIES = 100;
    /** Reasons a broken handshake may be counted under; "internal" would mean a code path nobody meant. */
    private static final Set<String> HANDSHAKE_REASONS = Set.of("auth", "handshake", "truncated", "tls", "bad_type",
            "too_large", "too_deep", "bad_json");

    private Receivers.Running receiver;
    private SSLContext ssl;
    private PeerLogs logs;
    private TopicWatcher kafka;
    private SecureStream good;

    @BeforeAll
    void start() throws Exception {
        logs = PeerLogs.start();
        receiver = Receivers.start(Map.of("transport.protocol", "tls", "transport.cert_path", TlsTest.DIR + "server.pem",
                "transport.private_key_path", TlsTest.DIR + "server.key", "security.shared_key", KEY,
                "security.self_hostname", "receiver.test", "idle_timeout", "10s"));
        ssl = TlsTest.trustingTestCa();
        kafka = TopicWatcher.start(receiver.topic);
        good = new SecureStream();
        kafka.awaitCount("good", 50, Duration.ofSeconds(30));
    }

    @AfterAll
    void stop() throws Exception {
        if (good != null) {
            good.stop();
        }
        if (kafka != null) {
            kafka.close();
        }
        if (receiver != null) {
            receiver.close();
        }
        if (logs != null) {
            logs.close();
        }
    }

    @Test
    @Order(1)
    void plainForwardFramesOnTheTlsPort() throws Exception {
        byte[][] plain = {
                pack(p -> {
                    p.packArrayHeader(3).packString("plain").packLong(1_700_000_000L);
                    Msgpack.writeRecord(p, Map.of("message", "not encrypted"));
                }),
                ForwardSocket.chunk("plain", "c-plain", 5, 0),
                "[\"plain\", 1700000000, {\"message\": \"json\"}, {\"chunk\": \"j\"}]".getBytes(StandardCharsets.UTF_8),
                ping(new byte[16], KEY, "plain.host", new Random(SEED)),
        };
        for (byte[] frame : plain) {
            logs.forgetEarlier();
            long mark = kafka.count("good");
            double before = receiver.protocolErrors("tls");
            int port;
            byte[] got;
            try (Socket s = new Socket("127.0.0.1", receiver.port())) {
                port = s.getLocalPort();
                s.getOutputStream().write(frame);
                got = ServerHangup.await(s, Duration.ofSeconds(5));
            }
            assertThat(new String(got, StandardCharsets.ISO_8859_1)).as("the HELO nonce never goes out in clear")
                    .doesNotContain("HELO");
            await().atMost(Duration.ofSeconds(10)).until(() -> receiver.protocolErrors("tls") >= before + 1);
            assertThat(logs.awaitPeer(port, "tls error")).contains("closing this connection");
            assertThat(receiver.protocolErrors("tls")).as("one count for one connection").isEqualTo(before + 1);
            assertThat(warnings(port)).hasSize(1);
            goodStreamAdvancedSince(mark);
        }
        assertThat(kafka.tags()).containsOnly("good");
    }

    @Test
    @Order(2)
    void handshakeFuzzNeverAuthenticatesAndClosesAndCountsEachConnection() throws Exception {
        Random random = new Random(SEED);
        double startTotal = totalErrors();
        long mark = kafka.count("good");
        for (int i = 0; i < TRIES; i++) {
            double before = totalErrors();
            logs.forgetEarlier();
            Socket raw = new Socket("127.0.0.1", receiver.port());
            int port = raw.getLocalPort();
            String kind;
            List<Value> replies = new ArrayList<>();
            try (SSLSocket s = (SSLSocket) ssl.getSocketFactory().createSocket(raw, "127.0.0.1", receiver.port(), true)) {
                s.setSoTimeout(10_000);
                MessageUnpacker in = MessagePack.newDefaultUnpacker(s.getInputStream());
                byte[] nonce = helo(in);
                Attack attack = attack(random, nonce);
                kind = attack.kind;
                try {
                    s.getOutputStream().write(attack.bytes);
                    s.getOutputStream().flush();
                    // Hang up our side (TCP FIN): a frame left incomplete is then the server's to report too.
                    raw.shutdownOutput();
                } catch (IOException closedWhileWriting) {
                    // the server may already have closed: that is one of the outcomes under test
                }
                readUntilClosed(in, replies, kind);
            }
            String what = "try " + i + " (" + kind + ")";
            for (Value v : replies) {
                List<Value> a = v.asArrayValue().list();
                assertThat(a.get(0).toString()).as(what + ": the server only answers PONG").isEqualTo("PONG");
                assertThat(a.get(1).asBooleanValue().getBoolean()).as(what + ": never authenticated").isFalse();
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> totalErrors() >= before + 1);
            await().atMost(Duration.ofSeconds(10)).until(() -> warnings(port).size() >= 1);
            assertThat(totalErrors()).as(what + ": counted once").isEqualTo(before + 1);
            assertThat(warnings(port)).as(what + ": logged once").hasSize(1);
            if (i % 30 == 29) {
                goodStreamAdvancedSince(mark);
                mark = kafka.count("good");
            }
        }
        assertThat(totalErrors() - startTotal).isEqualTo(TRIES);
        assertThat(receiver.protocolErrors("internal")).isZero();
        for (CounterSnapshot.CounterDataPointSnapshot d : receiver.metrics.protocolErrors.collect().getDataPoints()) {
            if (d.getValue() > 0) {
                assertThat(d.getLabels().get("reason")).isIn(HANDSHAKE_REASONS);
            }
        }
        assertThat(kafka.tags()).as("no fuzz connection got data through").containsOnly("good");
    }

    @Test
    @Order(3)
    void theGoodClientWasNeverDisturbed() throws Exception {
        long sent = good.stop();
        assertThat(good.failure.get()).as("the good client's own connection never failed").isNull();
        assertThat(good.acked).hasSize((int) sent);
        await().atMost(Duration.ofSeconds(30)).until(() -> kafka.seqs("good").size() >= sent);
        assertThat(kafka.seqs("good")).containsExactlyInAnyOrderElementsOf(LongStream.range(0, sent).boxed().toList());
    }

    // ---- the well-behaved client ---------------------------------------------------------------------------

    /** TLS, a correct handshake, then one chunk of 5 numbered events with an ack every 20 ms, on one connection. */
    private final class SecureStream {
        final Set<Long> acked = ConcurrentHashMap.newKeySet();
        final AtomicReference<Throwable> failure = new AtomicReference<>();
        final Thread thread;
        volatile boolean running = true;
        volatile long sent;

        SecureStream() {
            thread = new Thread(this::run, "secure-good-stream");
            thread.start();
        }

        private void run() {
            try (SSLSocket s = (SSLSocket) ssl.getSocketFactory().createSocket("127.0.0.1", receiver.port())) {
                s.setSoTimeout(10_000);
                MessageUnpacker in = MessagePack.newDefaultUnpacker(s.getInputStream());
                s.getOutputStream().write(ping(helo(in), KEY, "good.host", new Random()));
                List<Value> pong = in.unpackValue().asArrayValue().list();
                if (!pong.get(1).asBooleanValue().getBoolean()) {
                    throw new IllegalStateException("good client refused: " + pong);
                }
                for (int c = 0; running; c++) {
                    long first = sent;
                    String id = "g-" + c;
                    s.getOutputStream().write(pack(p -> {
                        p.packArrayHeader(3).packString("good").packArrayHeader(5);
                        for (long n = first; n < first + 5; n++) {
                            p.packArrayHeader(2).packLong(1_700_000_000L + n);
                            Msgpack.writeRecord(p, Map.of("seq", n, "message", "secure " + n));
                        }
                        p.packMapHeader(1).packString("chunk").packString(id);
                    }));
                    sent = first + 5;
                    String ack = in.unpackValue().asMapValue().map().values().iterator().next().toString();
                    if (!ack.equals(id)) {
                        throw new IllegalStateException("ack " + ack + " for chunk " + id);
                    }
                    for (long n = first; n < first + 5; n++) {
                        acked.add(n);
                    }
                    Thread.sleep(20);
                }
            } catch (Throwable t) {
                failure.set(t);
            }
        }

        long stop() throws InterruptedException {
            running = false;
            thread.join(30_000);
            return sent;
        }
    }

    // ---- the fuzz ------------------------------------------------------------------------------------------

    private record Attack(String kind, byte[] bytes) {
    }

    /**
     * One hostile opening, built on the nonce the server just sent. The attacker never holds the key: the
     * only PINGs made with the real key are over a nonce the server did not send (a replay or a guess).
     */
    private static Attack attack(Random r, byte[] nonce) {
        String guess = "guess-" + r.nextInt(1_000_000);
        byte[] wrong = ping(nonce, guess, "fuzz.host", r);
        return switch (r.nextInt(10)) {
            case 0 -> {
                byte[] junk = new byte[1 + r.nextInt(300)];
                r.nextBytes(junk);
                yield new Attack("random bytes", junk);
            }
            case 1 -> new Attack("PING with a wrong key", wrong);
            case 2 -> {
                byte[] otherNonce = new byte[16];
                r.nextBytes(otherNonce);
                yield new Attack("PING with the key over a replayed nonce", ping(otherNonce, KEY, "fuzz.host", r));
            }
            case 3 -> {
                byte[] m = wrong.clone();
                for (int k = 0; k <= r.nextInt(4); k++) {
                    m[r.nextInt(m.length)] = (byte) r.nextInt(256);
                }
                yield new Attack("mutated PING", m);
            }
            case 4 -> new Attack("truncated PING", Arrays.copyOf(wrong, 1 + r.nextInt(wrong.length - 1)));
            case 5 -> new Attack("PING of wrong shape", pack(p -> {
                int n = r.nextInt(9);
                p.packArrayHeader(n);
                for (int k = 0; k < n; k++) {
                    switch (k == 0 ? 0 : 1 + r.nextInt(5)) {
                        case 0 -> p.packString(r.nextBoolean() ? "PING" : "HELO");
                        case 1 -> p.packLong(r.nextLong());
                        case 2 -> p.packNil();
                        case 3 -> p.packMapHeader(1).packString("k").packArrayHeader(0);
                        case 4 -> p.packBinaryHeader(3).writePayload(new byte[]{1, 2, 3});
                        default -> p.packString("x".repeat(r.nextInt(50)));
                    }
                }
            }));
            case 6 -> new Attack("PING with a 5000-byte hostname", pack(p -> p.packArrayHeader(6).packString("PING")
                    .packString("h".repeat(5000)).packString("s").packString("d").packString("").packString("")));
            case 7 -> new Attack("data before any PING", ForwardSocket.chunk("fuzz", "c-fuzz", 2, 0));
            case 8 -> new Attack("PING as JSON", ("[\"PING\", \"fuzz.host\", \"salt\", \"" + "0".repeat(128)
                    + "\", \"\", \"\"]").getBytes(StandardCharsets.UTF_8));
            default -> new Attack("wrong PING, data right behind it", Msgpack.concat(wrong, ForwardSocket.chunk("fuzz", "c-fuzz", 2, 0)));
        };
    }

    // ---- protocol helpers ----------------------------------------------------------------------------------

    /** Reads the server's HELO and returns its nonce. */
    private static byte[] helo(MessageUnpacker in) throws IOException {
        List<Value> helo = in.unpackValue().asArrayValue().list();
        assertThat(helo.get(0).toString()).isEqualTo("HELO");
        for (Map.Entry<Value, Value> e : helo.get(1).asMapValue().entrySet()) {
            if (e.getKey().toString().equals("nonce")) {
                return e.getValue().asRawValue().asByteArray();
            }
        }
        throw new AssertionError("HELO without nonce: " + helo);
    }

    /** Fluentd's PING: {@code ["PING", hostname, salt, sha512_hex(salt + hostname + nonce + key), "", ""]}. */
    private static byte[] ping(byte[] nonce, String key, String hostname, Random r) {
        byte[] salt = new byte[16];
        r.nextBytes(salt);
        String digest = sha512Hex(salt, hostname.getBytes(StandardCharsets.UTF_8), nonce, key.getBytes(StandardCharsets.UTF_8));
        return pack(p -> p.packArrayHeader(6).packString("PING").packString(hostname)
                .packBinaryHeader(salt.length).writePayload(salt).packString(digest).packString("").packString(""));
    }

    private static String sha512Hex(byte[]... parts) {
        try {
            MessageDigest d = MessageDigest.getInstance("SHA-512");
            for (byte[] p : parts) {
                d.update(p);
            }
            return HexFormat.of().formatHex(d.digest());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** Collects what the server sends until it closes; fails if it is still open after the socket timeout. */
    private static void readUntilClosed(MessageUnpacker in, List<Value> replies, String kind) {
        try {
            while (in.hasNext()) {
                replies.add(in.unpackValue());
            }
        } catch (SocketTimeoutException e) {
            fail("the server did not close the connection after " + kind);
        } catch (IOException | MessagePackException e) {
            // reset or TLS alert: closed by the server
        }
    }

    // ---- assertions ----------------------------------------------------------------------------------------

    private double totalErrors() {
        return receiver.metrics.protocolErrors.collect().getDataPoints().stream()
                .mapToDouble(CounterSnapshot.CounterDataPointSnapshot::getValue).sum();
    }

    /** The receiver's WARN and ERROR lines about the connection from this client port. */
    private List<String> warnings(int port) {
        return logs.forPeer(port).stream().filter(l -> l.startsWith("WARN") || l.startsWith("ERROR")).toList();
    }

    private void goodStreamAdvancedSince(long mark) {
        kafka.awaitCount("good", mark + 25, Duration.ofSeconds(15));
        assertThat(good.failure.get()).as("the good client's connection").isNull();
    }
}
