package io.dls.launcher.tail;

import io.dls.testing.TestKafka;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.msgpack.core.MessageBufferPacker;
import org.msgpack.core.MessagePack;
import picocli.CommandLine;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** tail against a real broker: the raw topic's msgpack with its headers, the job's JSON, and the stop rules. */
class TailCommandTest {
    private static KafkaProducer<byte[], byte[]> producer;

    @BeforeAll
    static void producer() {
        producer = new KafkaProducer<>(Map.of("bootstrap.servers", TestKafka.bootstrap(), "acks", "all"),
                new ByteArraySerializer(), new ByteArraySerializer());
    }

    @AfterAll
    static void close() {
        producer.close();
    }

    private record Run(int exitCode, String out, String err) {
        List<String> lines() {
            return out.lines().toList();
        }
    }

    private static Run tail(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = new CommandLine(new TailCommand()).setOut(new PrintWriter(out, true))
                .setErr(new PrintWriter(err, true)).execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    private static void send(ProducerRecord<byte[], byte[]> r) throws Exception {
        producer.send(r).get();
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** A record map as Fluency / Fluentd send it, with an EventTime (ext 0) value, nesting and bin. */
    private static byte[] rawRecord() throws IOException {
        try (MessageBufferPacker p = MessagePack.newDefaultBufferPacker()) {
            p.packMapHeader(6);
            p.packString("message_type").packString("LOG");
            p.packString("log_level").packString("ERROR");
            p.packString("node_id").packString("payment-1");
            p.packString("when").packExtensionTypeHeader((byte) 0, 8);
            p.addPayload(ByteBuffer.allocate(8).putInt(1_772_360_102).putInt(123_456_789).array());
            p.packString("tags").packArrayHeader(2).packInt(7).packNil();
            p.packString("raw").packBinaryHeader(2).writePayload(new byte[] {(byte) 0xff, 0x00});
            return p.toByteArray();
        }
    }

    @Test
    void rawMsgpackWithHeadersAndJsonFromTheBeginning() throws Exception {
        String raw = TestKafka.newTopic("logs.raw", 1);
        RecordHeaders headers = new RecordHeaders();
        headers.add(new RecordHeader("fluent.time", ByteBuffer.allocate(8).putInt(1_772_360_102).putInt(123_456_789).array()));
        headers.add(new RecordHeader("fluent.chunk", utf8("b3JkZXI=#4")));
        headers.add(new RecordHeader("fluent.source", utf8("127.0.0.1")));
        send(new ProducerRecord<>(raw, 0, 1_772_360_102_123L, utf8("demo.payment"), rawRecord(), headers));
        send(new ProducerRecord<>(raw, 0, 1_772_360_103_000L, utf8("demo.order"), utf8("{\"message\":\"sent as JSON\"}")));
        send(new ProducerRecord<>(raw, 0, 1_772_360_104_000L, null, new byte[] {(byte) 0xc1, 0x01}));

        Run run = tail(raw, "--kafka-bootstrap", TestKafka.bootstrap(), "--from-beginning", "--max", "3");
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.lines()).containsExactly(
                "0/0 demo.payment 2026-03-01T10:15:02.123Z [fluent.time=2026-03-01T10:15:02.123456789Z"
                        + " fluent.chunk=b3JkZXI=#4 fluent.source=127.0.0.1] {\"message_type\":\"LOG\",\"log_level\":\"ERROR\","
                        + "\"node_id\":\"payment-1\",\"when\":\"2026-03-01T10:15:02.123456789Z\",\"tags\":[7,null],\"raw\":\"base64:/wA=\"}",
                "0/1 demo.order {\"message\":\"sent as JSON\"}",
                "0/2 - (2 bytes, neither JSON nor a msgpack map) 0xc101");
    }

    @Test
    void jsonTopicOnlyNewEventsUntilTheTimeout() throws Exception {
        String all = TestKafka.newTopic("all_logs", 2);
        send(new ProducerRecord<>(all, 1, "order".getBytes(), utf8("{\"message\":\"old\"}")));
        CompletableFuture<Run> running = CompletableFuture.supplyAsync(
                () -> tail(all, "--kafka-bootstrap", TestKafka.bootstrap(), "--timeout", "3s"));
        // tail positions itself at the end when it starts; keep producing until its output shows one.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        int i = 0;
        while (!running.isDone() && System.nanoTime() < deadline) {
            String doc = "{\"@timestamp\":\"2026-03-01T10:15:02.123456789Z\",\"log\":{\"level\":\"INFO\"},\"message\":\"new " + i++ + "\"}";
            send(new ProducerRecord<>(all, 1, utf8("order"), utf8(doc)));
            Thread.sleep(300);
            if (i == 10) {
                break; // then silence: the 3 s timeout ends the tail
            }
        }
        Run run = running.get(20, TimeUnit.SECONDS);
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.lines()).isNotEmpty().allSatisfy(l -> assertThat(l).matches(
                "1/\\d+ order \\{\"@timestamp\":\"2026-03-01T10:15:02.123456789Z\",\"log\":\\{\"level\":\"INFO\"},\"message\":\"new \\d\"}"));
        assertThat(run.out()).doesNotContain("old");
        assertThat(run.lines().get(run.lines().size() - 1)).endsWith("\"new 9\"}");
    }

    @Test
    void missingTopicAndMissingKafkaSayWhatToDo() throws IOException {
        String existing = TestKafka.newTopic("critical_logs", 1);
        Run missing = tail("no_such_topic", "--kafka-bootstrap", TestKafka.bootstrap(), "--timeout", "1s");
        assertThat(missing.exitCode()).isEqualTo(1);
        assertThat(missing.err()).contains("topic 'no_such_topic' does not exist").contains(existing);

        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        Run down = tail("all_logs", "--kafka-bootstrap", "127.0.0.1:" + port);
        assertThat(down.exitCode()).isEqualTo(1);
        assertThat(down.err()).contains("cannot reach Kafka at 127.0.0.1:" + port).contains("is ./dls up running?");
    }
}
