package io.dls.testing;

import org.apache.kafka.common.Uuid;

import java.io.File;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * A real Kafka broker (KRaft, combined node) as its own process, on fixed loopback ports, so a test can kill
 * it with SIGKILL and start it again on the same data, the way an operator's broker restarts.
 * {@link #startWithSaslPlain} adds a SASL_PLAINTEXT listener (mechanism PLAIN) beside the PLAINTEXT one, so a
 * test can check that clients authenticate while it still sets up topics and reads results without a password.
 */
public final class KafkaProcess implements AutoCloseable {
    private final Path dir;
    private final Path properties;
    private final int port;
    private final int saslPort;
    private Process process;

    /** @param saslUsers PLAIN users (name to password); empty for no SASL listener */
    private KafkaProcess(Path dir, int port, int controllerPort, int saslPort, Map<String, String> saslUsers)
            throws IOException {
        this.dir = dir;
        this.port = port;
        this.saslPort = saslPort;
        this.properties = dir.resolve("server.properties");
        String sasl = saslUsers.isEmpty() ? "" : ",SASL_PLAINTEXT://127.0.0.1:" + saslPort;
        List<String> lines = new ArrayList<>(List.of(
                "process.roles=broker,controller",
                "node.id=1",
                "controller.quorum.voters=1@127.0.0.1:" + controllerPort,
                "listeners=PLAINTEXT://127.0.0.1:" + port + sasl + ",CONTROLLER://127.0.0.1:" + controllerPort,
                "advertised.listeners=PLAINTEXT://127.0.0.1:" + port + sasl,
                "controller.listener.names=CONTROLLER",
                "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT,CONTROLLER:PLAINTEXT",
                // Brokers talk to each other on PLAINTEXT, so only clients need credentials.
                "inter.broker.listener.name=PLAINTEXT",
                "log.dirs=" + dir.resolve("data"),
                "num.partitions=1",
                "offsets.topic.replication.factor=1",
                "transaction.state.log.replication.factor=1",
                "transaction.state.log.min.isr=1",
                "group.initial.rebalance.delay.ms=0"));
        if (!saslUsers.isEmpty()) {
            // The broker's own PlainLoginModule: user_<name>="<password>" entries are the accepted logins.
            String users = saslUsers.entrySet().stream()
                    .map(u -> "user_" + u.getKey() + "=\"" + u.getValue() + "\"").collect(Collectors.joining(" "));
            lines.add("sasl.enabled.mechanisms=PLAIN");
            lines.add("listener.name.sasl_plaintext.plain.sasl.jaas.config="
                    + "org.apache.kafka.common.security.plain.PlainLoginModule required " + users + ";");
        }
        lines.add("");
        Files.writeString(properties, String.join("\n", lines));
    }

    public static KafkaProcess start() {
        return start(Map.of());
    }

    /**
     * A broker with a SASL_PLAINTEXT listener (mechanism PLAIN) accepting exactly these users (name to
     * password), at {@link #saslBootstrap()}; the PLAINTEXT listener at {@link #bootstrap()} stays for setup.
     */
    public static KafkaProcess startWithSaslPlain(Map<String, String> users) {
        if (users.isEmpty()) {
            throw new IllegalArgumentException("a SASL listener needs at least one user");
        }
        return start(users);
    }

    private static KafkaProcess start(Map<String, String> saslUsers) {
        try {
            Path dir = Files.createTempDirectory("kafka-process");
            KafkaProcess k = new KafkaProcess(dir, freePort(), freePort(), freePort(), saslUsers);
            k.run("kafka.tools.StorageTool", "format", "-t", Uuid.randomUuid().toString(), "-c",
                    k.properties.toString(), "--ignore-formatted");
            k.startBroker();
            return k;
        } catch (IOException e) {
            throw new IllegalStateException("cannot start a Kafka process", e);
        }
    }

    public String bootstrap() {
        return "127.0.0.1:" + port;
    }

    /** The SASL_PLAINTEXT listener; only for a broker from {@link #startWithSaslPlain}. */
    public String saslBootstrap() {
        return "127.0.0.1:" + saslPort;
    }

    /** The client side of SASL/PLAIN: the value of {@code sasl.jaas.config} for this user. */
    public static String plainJaas(String user, String password) {
        return "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"" + user
                + "\" password=\"" + password + "\";";
    }

    /** Creates a topic through the PLAINTEXT listener. */
    public void createTopic(String name, int partitions) {
        TestKafka.createTopic(bootstrap(), name, partitions);
    }

    public Path logFile() {
        return dir.resolve("broker.log");
    }

    public void startBroker() {
        try {
            process = java("kafka.Kafka", properties.toString())
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile().toFile()))
                    .start();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("Kafka process exited; see " + logFile());
            }
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 200);
                return;
            } catch (IOException notYet) {
                sleep(200);
            }
        }
        throw new IllegalStateException("Kafka did not open port " + port + " in 60 s; see " + logFile());
    }

    /** SIGKILL: no clean shutdown, as in a crash. */
    public void kill() {
        process.destroyForcibly();
        try {
            process.waitFor(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        if (process != null && process.isAlive()) {
            process.destroy();
            try {
                if (!process.waitFor(20, TimeUnit.SECONDS)) {
                    kill();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void run(String main, String... args) throws IOException {
        Process p = java(main, args).redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("format.log").toFile())).start();
        try {
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IllegalStateException(main + " failed; see " + dir.resolve("format.log"));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private ProcessBuilder java(String main, String... args) {
        String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        List<String> cmd = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx512m", "-cp", cp, main));
        cmd.addAll(List.of(args));
        return new ProcessBuilder(cmd).redirectErrorStream(true).directory(new File(dir.toString()));
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
