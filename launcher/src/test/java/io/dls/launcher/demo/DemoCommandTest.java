package io.dls.launcher.demo;

import com.fasterxml.jackson.databind.JsonNode;
import io.dls.launcher.tail.MsgpackJson;
import io.dls.testing.TestKafka;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The demo command in-process against the real receiver and a real broker: what reaches logs.raw is what
 * the original microservices sent (registrations, heartbeats, logs, the payment error burst) and the
 * dying node really goes silent.
 */
class DemoCommandTest {
    private InJvmReceiver receiver;
    private String raw;

    @BeforeEach
    void startReceiver() throws InterruptedException {
        raw = TestKafka.newTopic("demo-raw", 1);
        receiver = new InJvmReceiver(raw);
    }

    @AfterEach
    void stopReceiver() {
        receiver.close();
    }

    /** One raw record, decoded. */
    record Sent(long offset, String tag, long time, JsonNode rec, Map<String, String> headers) {
        String node() {
            return rec.path("node_id").asText();
        }

        String type() {
            return rec.path("message_type").asText();
        }
    }

    private record Run(int exitCode, String out, String err) {
    }

    private static Run demo(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = new CommandLine(new DemoCommand()).setOut(new PrintWriter(out, true))
                .setErr(new PrintWriter(err, true)).execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    @Test
    void sendsTheOriginalRecordsStagesTheBurstAndTheNodeGoesSilent() {
        String all = TestKafka.newTopic("all", 1);
        String critical = TestKafka.newTopic("critical", 1);
        String node = TestKafka.newTopic("node", 1);
        Run run = demo("--forward-port", "" + receiver.port(), "--kafka-bootstrap", TestKafka.bootstrap(),
                "--duration", "7s", "--rate", "40", "--heartbeat-interval", "500ms",
                "--burst-after", "2s", "--node-dies-after", "3s",
                "--topic-all", all, "--topic-critical", critical, "--topic-node-failure", node);
        assertThat(run.err()).isEmpty();
        assertThat(run.exitCode()).as(run.out()).isZero();

        Matcher summary = Pattern.compile("demo: sent (\\d+) events \\((\\d+) registrations, (\\d+) heartbeats, (\\d+) logs,"
                + " (\\d+) burst errors, (\\d+) deregistrations\\), acked (\\d+); console: all 0, critical 0, node 0, alerts 0").matcher(run.out());
        assertThat(summary.find()).as(run.out()).isTrue();
        int sent = Integer.parseInt(summary.group(1));
        assertThat(summary.group(7)).as("every event acknowledged").isEqualTo(summary.group(1));
        assertThat(summary.group(6)).as("every node but the dead one deregisters").isEqualTo("11");
        assertThat(summary.group(2)).isEqualTo("12");
        assertThat(summary.group(5)).isEqualTo("8");
        assertThat(run.out()).containsPattern("\\[demo    ] \\d\\d:\\d\\d:\\d\\d\\.\\d{3} payment throws an error burst: 8 ERROR logs within 2s")
                .containsPattern("\\[demo    ] \\d\\d:\\d\\d:\\d\\d\\.\\d{3} shipping-2 dies: no more heartbeats or logs");

        List<Sent> events = read(sent);
        assertThat(events).as("acked means in Kafka, once").hasSize(sent);

        Set<String> nodes = Set.of("inventory-1", "inventory-2", "inventory-3", "order-1", "order-2", "order-3",
                "payment-1", "payment-2", "payment-3", "shipping-1", "shipping-2", "shipping-3");
        // Every node registers first, with the original system's field names, under tag demo.<service>.
        Map<String, Sent> firstByNode = new TreeMap<>();
        events.forEach(e -> firstByNode.putIfAbsent(e.node(), e));
        assertThat(firstByNode.keySet()).isEqualTo(nodes);
        firstByNode.forEach((n, first) -> {
            assertThat(first.type()).isEqualTo("REGISTRATION");
            assertThat(first.rec().path("status").asText()).isEqualTo("UP");
            assertThat(first.rec().path("message").asText()).isEqualTo("node " + n + " registered");
            String service = n.substring(0, n.indexOf('-'));
            assertThat(first.rec().path("service_name").asText()).isEqualTo(service);
            assertThat(first.tag()).isEqualTo("demo." + service);
        });
        assertThat(events).allSatisfy(e -> {
            assertThat(e.headers()).containsKey("fluent.chunk").containsKey("fluent.time");
            assertThat(e.tag()).isEqualTo("demo." + e.rec().path("service_name").asText());
        });

        // Heartbeats from every node, status UP, nothing else in them.
        Map<String, Long> heartbeats = events.stream().filter(e -> e.type().equals("HEARTBEAT"))
                .collect(Collectors.groupingBy(Sent::node, Collectors.counting()));
        assertThat(heartbeats.keySet()).isEqualTo(nodes);
        assertThat(events).filteredOn(e -> e.type().equals("HEARTBEAT")).allSatisfy(e -> {
            assertThat(e.rec().path("status").asText()).isEqualTo("UP");
            assertThat(e.rec().has("log_level")).isFalse();
        });

        // Logs: levels of the original records, mostly INFO, plausible messages from all four services.
        List<Sent> logs = events.stream().filter(e -> e.type().equals("LOG")).toList();
        assertThat(logs).hasSize(Integer.parseInt(summary.group(4)) + 8);
        assertThat(logs).extracting(e -> e.rec().path("log_level").asText()).allMatch(Set.of("DEBUG", "INFO", "WARN", "ERROR")::contains);
        assertThat(logs.stream().filter(e -> e.rec().path("log_level").asText().equals("INFO")).count()).isGreaterThan(logs.size() / 2);
        assertThat(logs).extracting(e -> e.rec().path("service_name").asText()).contains("inventory", "order", "payment", "shipping");
        assertThat(logs).extracting(e -> e.rec().path("message").asText()).anyMatch(m -> m.matches("order \\d+ (placed|confirmed|handed to shipping)"));

        // The burst: 8 ERRORs with error details from payment nodes, within 2 s, about 2 s in.
        long t0 = events.get(0).time();
        List<Sent> burst = logs.stream().filter(e -> e.rec().path("error_details").asText().startsWith("PaymentGatewayTimeoutException")).toList();
        assertThat(burst).hasSize(8).allSatisfy(e -> {
            assertThat(e.rec().path("log_level").asText()).isEqualTo("ERROR");
            assertThat(e.rec().path("service_name").asText()).isEqualTo("payment");
        });
        assertThat(burst).extracting(Sent::node).containsOnly("payment-1", "payment-2", "payment-3");
        assertThat(burst.get(7).time() - burst.get(0).time()).isLessThanOrEqualTo(2000);
        assertThat(burst.get(0).time() - t0).isBetween(1700L, 2700L);

        // shipping-2 dies at about 3 s: it was alive until then, silent after, while the others go on.
        List<Sent> dying = events.stream().filter(e -> e.node().equals("shipping-2")).toList();
        long lastOfDying = dying.get(dying.size() - 1).time();
        assertThat(dying).filteredOn(e -> e.type().equals("HEARTBEAT")).hasSizeGreaterThanOrEqualTo(4);
        assertThat(lastOfDying - t0).as("last record of shipping-2").isBetween(2300L, 3600L);
        for (String other : List.of("shipping-1", "shipping-3", "payment-2")) {
            assertThat(events).as(other + " keeps sending heartbeats after shipping-2 died")
                    .anySatisfy(e -> {
                        assertThat(e.node()).isEqualTo(other);
                        assertThat(e.type()).isEqualTo("HEARTBEAT");
                        assertThat(e.time()).isGreaterThan(lastOfDying + 2500);
                    });
        }

        // The end: each surviving node's last record is its deregistration, so no heartbeat-timeout for it;
        // shipping-2 never says goodbye, and still alerts.
        Map<String, Sent> lastByNode = new TreeMap<>();
        events.forEach(e -> lastByNode.put(e.node(), e));
        lastByNode.forEach((n, last) -> {
            if (n.equals("shipping-2")) {
                assertThat(last.type()).isNotEqualTo("DEREGISTRATION");
            } else {
                assertThat(last.type()).as(n).isEqualTo("DEREGISTRATION");
                assertThat(last.rec().path("message").asText()).isEqualTo("node " + n + " deregistered");
            }
        });
        assertThat(events).filteredOn(e -> e.type().equals("DEREGISTRATION")).hasSize(11);
        assertThat(run.out()).contains("11 nodes deregister");
    }

    @Test
    void receiverNotRunningSaysWhatToDo() throws IOException {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        Run run = demo("--forward-port", "" + port, "--duration", "1s");
        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.err()).contains("cannot reach the receiver at 127.0.0.1:" + port)
                .contains("connection refused").contains("is ./dls up running?");
        assertThat(run.out()).isEmpty();
    }

    @Test
    void kafkaNotRunningSaysWhatToDoUnlessOnlySending() throws IOException {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        Run run = demo("--forward-port", "" + receiver.port(), "--kafka-bootstrap", "127.0.0.1:" + port, "--duration", "1s");
        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.err()).contains("cannot reach Kafka at 127.0.0.1:" + port).contains("--no-console");

        Run quiet = demo("--forward-port", "" + receiver.port(), "--kafka-bootstrap", "127.0.0.1:" + port,
                "--duration", "1500ms", "--no-console", "--rate", "10");
        assertThat(quiet.exitCode()).as(quiet.err()).isZero();
        assertThat(quiet.out().lines().toList()).as("--no-console prints only the summary").hasSize(1);
        assertThat(quiet.out()).startsWith("demo: sent ").contains("12 registrations").doesNotContain("console:");
    }

    private List<Sent> read(int expected) {
        List<Sent> out = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> r : TestKafka.consume(raw, expected, Duration.ofSeconds(20))) {
            Map<String, String> headers = new TreeMap<>();
            r.headers().forEach(h -> headers.put(h.key(), new String(h.value(), StandardCharsets.ISO_8859_1)));
            JsonNode rec = MsgpackJson.map(r.value()).orElseThrow(() -> new AssertionError("not a msgpack map at " + r.offset()));
            out.add(new Sent(r.offset(), new String(r.key(), StandardCharsets.UTF_8), r.timestamp(), rec, headers));
        }
        return out;
    }
}
