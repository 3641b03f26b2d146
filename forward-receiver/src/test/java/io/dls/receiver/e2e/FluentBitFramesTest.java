package io.dls.receiver.e2e;

import io.dls.receiver.sink.KafkaEventSink;
import io.dls.receiver.support.ForwardSocket;
import io.dls.receiver.support.Msgpack;
import io.dls.receiver.support.PeerLogs;
import io.dls.receiver.support.Receivers;
import io.dls.testing.TestKafka;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What Fluent Bit 4.2.8's out_forward puts on the wire (plugins/out_forward/forward.c and forward_format.c
 * at v4.2.8, and FACTS.md), as byte fixtures: with {@code Retain_Metadata_In_Forward_Mode On}, Forward mode
 * {@code [tag, [[[EventTime, {metadata}], record]...], options]} (CompressedPackedForward, a bin, with
 * {@code compress gzip}); options {@code chunk} (base64 of 16 bytes, no newline), {@code size},
 * {@code compressed}, {@code fluent_signal} in that order; metrics and traces as
 * {@code [tag, bin(cmetrics/ctraces msgpack), {chunk, fluent_signal: 1|2}]} (no size). Each through the real
 * receiver into a real Kafka broker.
 */
class FluentBitFramesTest {
    private static final HexFormat HEX = HexFormat.of();
    private static final String CHUNK_ID = "uIOE9Ytf9VkFyzGvT0FB7Q==";

    private Receivers.Running receiver;

    @AfterEach
    void stop() {
        if (receiver != null) {
            receiver.close();
        }
    }

    private static byte[] hex(String spaced) {
        return HEX.parseHex(spaced.replaceAll("\\s+", ""));
    }

    private static String chunkOption() {
        return "a5 6368756e6b b8 " + HEX.formatHex(CHUNK_ID.getBytes(StandardCharsets.US_ASCII));
    }

    private static byte[] header(ConsumerRecord<byte[], byte[]> r, String name) {
        Header h = r.headers().lastHeader(name);
        return h == null ? null : h.value();
    }

    /** {"k8s": {"pod": "api-1"}}: metadata as Fluent Bit's processors leave it. */
    private static final String METADATA = "81 a3 6b3873 81 a3 706f64 a5 6170692d31";
    /** {"log": "hello"} */
    private static final String RECORD_1 = "81 a3 6c6f67 a5 68656c6c6f";
    /** {"log": "bye"} */
    private static final String RECORD_2 = "81 a3 6c6f67 a3 627965";

    @Test
    void metadataTravelsAsItsOwnHeaderAndAnEmptyMapAddsNothing() throws Exception {
        receiver = Receivers.start(Map.of());
        String entries = ""
                // [[EventTime(1700000000, 5), {metadata}], {"log": "hello"}]
                + "92 92 d7 00 6553f100 00000005 " + METADATA + " " + RECORD_1
                // [[EventTime(1700000001, 0), {}], {"log": "bye"}]: the empty map Fluent Bit sends by default
                + " 92 92 d7 00 6553f101 00000000 80 " + RECORD_2;
        byte[] entryBytes = hex(entries);
        // Forward mode: an array of the entries, then {"chunk": "<base64>", "size": 2, "fluent_signal": 0}.
        byte[] forward = Msgpack.concat(hex("93 a7 6170702e6c6f67 92"), entryBytes,
                hex("83 " + chunkOption() + " a4 73697a65 02 ad 666c75656e745f7369676e616c 00"));
        // compress gzip: CompressedPackedForward, the same entries gzipped in a bin.
        byte[] gzipped = Msgpack.gzip(entryBytes);
        byte[] compressed = Msgpack.concat(hex("93 a7 6170702e6c6f67 c4"), new byte[]{(byte) gzipped.length}, gzipped,
                hex("84 " + chunkOption() + " a4 73697a65 02 aa 636f6d70726573736564 a4 677a6970"
                        + " ad 666c75656e745f7369676e616c 00"));
        try (ForwardSocket s = new ForwardSocket(receiver.port())) {
            s.send(forward);
            assertThat(s.readAck()).isEqualTo(CHUNK_ID);
            s.send(compressed);
            assertThat(s.readAck()).isEqualTo(CHUNK_ID);
        }
        List<ConsumerRecord<byte[], byte[]>> records = TestKafka.consume(receiver.topic, 4, Duration.ofSeconds(30));
        assertThat(records).hasSize(4);
        assertThat(header(records.get(2), KafkaEventSink.HEADER_METADATA)).as("gzip entries: metadata kept too")
                .isEqualTo(hex(METADATA));
        assertThat(records.get(3).value()).isEqualTo(hex(RECORD_2));
        ConsumerRecord<byte[], byte[]> first = records.get(0);
        assertThat(first.value()).as("the record as sent, without the metadata").isEqualTo(hex(RECORD_1));
        assertThat(header(first, KafkaEventSink.HEADER_METADATA)).as("metadata bytes as sent").isEqualTo(hex(METADATA));
        assertThat(first.timestamp()).isEqualTo(1_700_000_000_000L);
        assertThat(new String(header(first, KafkaEventSink.HEADER_CHUNK), StandardCharsets.UTF_8)).isEqualTo(CHUNK_ID + "#0");
        ConsumerRecord<byte[], byte[]> second = records.get(1);
        assertThat(second.value()).isEqualTo(hex(RECORD_2));
        assertThat(header(second, KafkaEventSink.HEADER_METADATA)).as("{} is no metadata").isNull();
        assertThat(receiver.metrics.invalidEvents.labelValues("entry_not_array").get()).isZero();
    }

    /** A cmetrics-like msgpack blob: only its bytes matter, they must arrive unchanged. */
    private static final byte[] CMETRICS = hex("82 a4 6d657461 81 a3 636d74 80 a7 6d657472696373 91 82"
            + " a4 6e616d65 a6 75707469 6d65 a5 76616c7565 cb 40c3880000000000");

    /** {@code [tag, bin(blob), {"chunk": .., ["compressed": "gzip",] "fluent_signal": signal}]}. */
    private static byte[] signalFrame(String tag, byte[] blob, int signal, boolean gzip) {
        byte[] tagBytes = tag.getBytes(StandardCharsets.UTF_8);
        return Msgpack.concat(new byte[]{(byte) 0x93, (byte) (0xa0 | tagBytes.length)}, tagBytes,
                new byte[]{(byte) 0xc5, (byte) (blob.length >> 8), (byte) blob.length}, blob,
                hex((gzip ? "83 " : "82 ") + chunkOption() + (gzip ? " aa 636f6d70726573736564 a4 677a6970" : "")
                        + " ad 666c75656e745f7369676e616c 0" + signal));
    }

    @Test
    void metricsAndTracesChunksArePublishedWholeToTheirTopicsAndAckedAfterKafka() throws Exception {
        String metrics = TestKafka.newTopic("metrics", 1);
        String traces = TestKafka.newTopic("traces", 1);
        receiver = Receivers.start(Map.of("kafka.metrics_topic", metrics, "kafka.traces_topic", traces));
        byte[] ctraces = "ctraces msgpack stand-in".getBytes(StandardCharsets.US_ASCII);
        try (ForwardSocket s = new ForwardSocket(receiver.port())) {
            s.send(signalFrame("fluentbit.metrics", CMETRICS, 1, false));
            assertThat(s.readAck()).isEqualTo(CHUNK_ID);
            // Traces with compress gzip: the blob is stored inflated, as the agent had it.
            s.send(signalFrame("fluentbit.traces", Msgpack.gzip(ctraces), 2, true));
            assertThat(s.readAck()).isEqualTo(CHUNK_ID);
        }
        ConsumerRecord<byte[], byte[]> m = TestKafka.consume(metrics, 1, Duration.ofSeconds(30)).get(0);
        assertThat(m.value()).isEqualTo(CMETRICS);
        assertThat(new String(m.key(), StandardCharsets.UTF_8)).isEqualTo("fluentbit.metrics");
        assertThat(header(m, KafkaEventSink.HEADER_SIGNAL)).isEqualTo("metrics".getBytes(StandardCharsets.US_ASCII));
        ConsumerRecord<byte[], byte[]> t = TestKafka.consume(traces, 1, Duration.ofSeconds(30)).get(0);
        assertThat(t.value()).isEqualTo(ctraces);
        assertThat(header(t, KafkaEventSink.HEADER_SIGNAL)).isEqualTo("traces".getBytes(StandardCharsets.US_ASCII));
        assertThat(TestKafka.consume(receiver.topic, 1, Duration.ofSeconds(1))).as("no log events").isEmpty();
        assertThat(receiver.metrics.signalChunks.labelValues("metrics", "published").get()).isEqualTo(1.0);
        assertThat(receiver.metrics.signalChunks.labelValues("traces", "published").get()).isEqualTo(1.0);
        assertThat(receiver.metrics.invalidEvents.labelValues("entry_not_array").get()).isZero();
    }

    @Test
    void signalsCanBeDroppedButNeverSilently() throws Exception {
        String metrics = TestKafka.newTopic("metrics", 1);
        receiver = Receivers.start(Map.of("signals", "drop", "kafka.metrics_topic", metrics));
        try (PeerLogs logs = PeerLogs.start(); ForwardSocket s = new ForwardSocket(receiver.port())) {
            s.send(signalFrame("fluentbit.metrics", CMETRICS, 1, false));
            assertThat(s.readAck()).as("acked: the operator chose to drop them").isEqualTo(CHUNK_ID);
            s.send(signalFrame("fluentbit.metrics", CMETRICS, 1, false));
            assertThat(s.readAck()).isEqualTo(CHUNK_ID);
            assertThat(logs.matching("signal chunks dropped")).as("logged once a minute, not per chunk").hasSize(1);
        }
        assertThat(receiver.metrics.signalChunks.labelValues("metrics", "dropped").get()).isEqualTo(2.0);
        assertThat(TestKafka.consume(metrics, 1, Duration.ofSeconds(1))).isEmpty();
    }
}
