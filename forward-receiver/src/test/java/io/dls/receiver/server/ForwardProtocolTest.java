package io.dls.receiver.server;

import io.dls.receiver.codec.Chunk;
import io.dls.receiver.codec.Event;
import io.dls.receiver.support.Msgpack;
import io.dls.receiver.support.Pipelines;
import io.dls.receiver.support.RecordingSink;
import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.Test;
import org.msgpack.core.MessageBufferPacker;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static io.dls.receiver.support.Msgpack.pack;
import static io.dls.receiver.support.Pipelines.buf;
import static io.dls.receiver.support.Pipelines.outbound;
import static org.assertj.core.api.Assertions.assertThat;

/** Every carrier mode and client quirk of forward protocol v1, through the real connection pipeline. */
class ForwardProtocolTest {
    private static final Map<String, Object> R1 = ordered("message", "hello", "level", "INFO");
    private static final Map<String, Object> R2 = ordered("message", "boom", "level", "ERROR", "code", 500);

    private final RecordingSink sink = new RecordingSink(true);
    private final Pipelines pipes = new Pipelines(sink, Map.of());

    static Map<String, Object> ordered(Object... kv) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put((String) kv[i], kv[i + 1]);
        }
        return m;
    }

    private Chunk only(EmbeddedChannel ch) {
        assertThat(ch.isOpen()).as("connection stays open").isTrue();
        assertThat(sink.chunks()).hasSize(1);
        return sink.chunks().get(0);
    }

    @Test
    void messageModeWithoutOptions() {
        EmbeddedChannel ch = pipes.open();
        ch.writeInbound(buf(pack(p -> {
            p.packArrayHeader(3).packString("app.web").packLong(1_700_000_000L);
            Msgpack.writeRecord(p, R1);
        })));
        Chunk c = only(ch);
        assertThat(c.tag()).isEqualTo("app.web");
        assertThat(c.events()).singleElement().satisfies(e -> {
            assertThat(e.epochSeconds()).isEqualTo(1_700_000_000L);
            assertThat(e.subsecond()).isFalse();
            assertThat(e.record()).isEqualTo(Msgpack.record(R1));
        });
        assertThat(c.wantsAck()).isFalse();
        assertThat(outbound(ch)).as("no ack without a chunk option").isEmpty();
    }

    @Test
    void messageModeWithChunkOptionIsAckedByteForByte() {
        EmbeddedChannel ch = pipes.open();
        // Fluentd 1.16 sends base64 with a trailing newline: the echo must keep it.
        String chunkId = "p8n9gmxTQVC8/nh2wlKKeQ==\n";
        ch.writeInbound(buf(pack(p -> {
            p.packArrayHeader(4).packString("app").packLong(1_700_000_001L);
            Msgpack.writeRecord(p, R1);
            p.packMapHeader(2).packString("chunk").packString(chunkId).packString("size").packInt(1);
        })));
        assertThat(only(ch).chunkId()).isEqualTo(chunkId.getBytes(StandardCharsets.UTF_8));
        assertThat(outbound(ch)).isEqualTo(pack(p -> p.packMapHeader(1).packString("ack").packString(chunkId)));
    }

    @Test
    void chunkIdSentAsBinaryIsEchoedAsBinary() {
        EmbeddedChannel ch = pipes.open();
        byte[] id = {1, 2, 3, (byte) 0xff};
        ch.writeInbound(buf(pack(p -> {
            p.packArrayHeader(4).packString("app").packLong(1);
            Msgpack.writeRecord(p, R1);
            p.packMapHeader(1).packString("chunk").packBinaryHeader(id.length).writePayload(id);
        })));
        only(ch);
        assertThat(outbound(ch)).isEqualTo(pack(p -> {
            p.packMapHeader(1).packString("ack").packBinaryHeader(id.length).writePayload(id);
        }));
    }

    @Test
    void forwardModeMixesIntegerTimeAndEventTime() {
        EmbeddedChannel ch = pipes.open();
        ch.writeInbound(buf(pack(p -> {
            p.packArrayHeader(2).packString("mixed").packArrayHeader(2);
            p.packArrayHeader(2).packLong(1_700_000_002L);
            Msgpack.writeRecord(p, R1);
            p.packArrayHeader(2);
            Msgpack.eventTime(p, 1_700_000_003L, 123_456_789);
            Msgpack.writeRecord(p, R2);
        })));
        List<Event> ev = only(ch).events();
        assertThat(ev).hasSize(2);
        assertThat(ev.get(0).epochSeconds()).isEqualTo(1_700_000_002L);
        assertThat(ev.get(0).subsecond()).isFalse();
        assertThat(ev.get(1).epochSeconds()).isEqualTo(1_700_000_003L);
        assertThat(ev.get(1).nanos()).isEqualTo(123_456_789);
        assertThat(ev.get(1).subsecond()).isTrue();
        assertThat(ev.get(1).record()).isEqualTo(Msgpack.record(R2));
    }

    static byte[] entries(int n) {
        return pack(p -> {
            for (int i = 0; i < n; i++) {
                p.packArrayHeader(2);
                if (i % 2 == 0) {
                    p.packLong(1_700_000_000L + i);
                } else {
                    Msgpack.eventTime(p, 1_700_000_000L + i, i);
                }
                Msgpack.writeRecord(p, ordered("message", "line " + i, "i", i));
            }
        });
    }

    private void assertEntries(List<Event> events, int n) {
        assertThat(events).hasSize(n);
        for (int i = 0; i < n; i++) {
            assertThat(events.get(i).epochSeconds()).isEqualTo(1_700_000_000L + i);
            assertThat(events.get(i).record()).isEqualTo(Msgpack.record(ordered("message", "line " + i, "i", i)));
        }
    }

    @Test
    void packedForwardEntriesAsBinOrStr() {
        byte[] entries = entries(5);
        for (boolean asStr : new boolean[]{false, true}) {
            sink.published.clear();
            EmbeddedChannel ch = pipes.open();
            ch.writeInbound(buf(pack(p -> {
                p.packArrayHeader(3).packString("packed");
                if (asStr) {
                    p.packRawStringHeader(entries.length);
                } else {
                    p.packBinaryHeader(entries.length);
                }
                p.writePayload(entries);
                // Some clients put the byte count in size: it is only a hint.
                p.packMapHeader(2).packString("size").packInt(entries.length).packString("chunk").packString("c1");
            })));
            assertEntries(only(ch).events(), 5);
            assertThat(outbound(ch)).isEqualTo(pack(p -> p.packMapHeader(1).packString("ack").packString("c1")));
        }
    }

    @Test
    void compressedPackedForwardGzipMultiMember() throws IOException {
        byte[] a = entries(3);
        byte[] b = Arrays.copyOfRange(entries(6), a.length, entries(6).length);
        ByteArrayOutputStream gz = new ByteArrayOutputStream();
        gz.write(Msgpack.gzip(a));
        gz.write(Msgpack.gzip(b));
        byte[] compressed = gz.toByteArray();
        EmbeddedChannel ch = pipes.open();
        ch.writeInbound(buf(pack(p -> {
            p.packArrayHeader(3).packString("gz").packBinaryHeader(compressed.length).writePayload(compressed);
            p.packMapHeader(2).packString("compressed").packString("gzip").packString("size").packInt(6);
        })));
        assertEntries(only(ch).events(), 6);
    }

    @Test
    void compressedPackedForwardZstd() throws IOException {
        byte[] raw = entries(4);
        byte[] compressed = com.github.luben.zstd.Zstd.compress(raw);
        EmbeddedChannel ch = pipes.open();
        ch.writeInbound(buf(Msgpack.compressedForward("zs", compressed, "zstd")));
        assertEntries(only(ch).events(), 4);
    }

    @Test
    void compressedTextMeansUncompressed() {
        byte[] raw = entries(2);
        EmbeddedChannel ch = pipes.open();
        ch.writeInbound(buf(Msgpack.compressedForward("txt", raw, "text")));
        assertEntries(only(ch).events(), 2);
    }

    @Test
    void fluentBitMetadataEntries() {
        byte[] raw = pack(p -> {
            p.packArrayHeader(2).packArrayHeader(2);
            Msgpack.eventTime(p, 1_700_000_010L, 42);
            p.packMapHeader(1).packString("otel").packString("x");
            Msgpack.writeRecord(p, R1);
        });
        EmbeddedChannel ch = pipes.open();
        ch.writeInbound(buf(pack(p -> {
            p.packArrayHeader(3).packString("fb").packBinaryHeader(raw.length).writePayload(raw);
            p.packMapHeader(1).packString("fluent_signal").packInt(0);
        })));
        assertThat(only(ch).events()).singleElement().satisfies(e -> {
            assertThat(e.epochSeconds()).isEqualTo(1_700_000_010L);
            assertThat(e.nanos()).isEqualTo(42);
            assertThat(e.record()).isEqualTo(Msgpack.record(R1));
            assertThat(e.metadata()).as("the metadata map, kept as sent")
                    .isEqualTo(pack(p -> p.packMapHeader(1).packString("otel").packString("x")));
        });
    }

    @Test
    void nilOptionsAndFloatTime() {
        EmbeddedChannel ch = pipes.open();
        ch.writeInbound(buf(pack(p -> {
            p.packArrayHeader(4).packString("f").packDouble(1_700_000_000.25);
            Msgpack.writeRecord(p, R1);
            p.packNil();
        })));
        assertThat(only(ch).events()).singleElement().satisfies(e -> {
            assertThat(e.epochSeconds()).isEqualTo(1_700_000_000L);
            assertThat(e.nanos()).isEqualTo(250_000_000);
            assertThat(e.subsecond()).isTrue();
        });
    }

    @Test
    void framesSplitAcrossReadsAndSeveralInOneRead() {
        byte[] one = pack(p -> {
            p.packArrayHeader(2).packString("split").packArrayHeader(1).packArrayHeader(2).packLong(5);
            Msgpack.writeRecord(p, R2);
        });
        EmbeddedChannel ch = pipes.open();
        for (byte b : one) {
            ch.writeInbound(buf(new byte[]{b}));
        }
        assertThat(sink.chunks()).hasSize(1);
        byte[] three = new byte[one.length * 3];
        for (int i = 0; i < 3; i++) {
            System.arraycopy(one, 0, three, i * one.length, one.length);
        }
        ch.writeInbound(buf(three));
        assertThat(sink.chunks()).hasSize(4);
        assertThat(sink.chunks()).allSatisfy(c -> assertThat(c.events().get(0).record()).isEqualTo(Msgpack.record(R2)));
        assertThat(ch.isOpen()).isTrue();
    }

    @Test
    void jsonFramingIsAckedInJson() {
        EmbeddedChannel ch = pipes.open();
        String msg = "[\"json.tag\", 1700000000, {\"message\":\"hi\",\"n\":3}, {\"chunk\":\"abc\"}]\n"
                + "[\"json.tag\", [[1700000001, {\"message\":\"a\"}], [1700000002.5, {\"message\":\"b\"}]]]";
        ch.writeInbound(buf(msg.getBytes(StandardCharsets.UTF_8)));
        assertThat(sink.chunks()).hasSize(2);
        Chunk first = sink.chunks().get(0);
        assertThat(first.tag()).isEqualTo("json.tag");
        assertThat(first.events().get(0).record()).isEqualTo(Msgpack.record(ordered("message", "hi", "n", 3)));
        assertThat(new String(outbound(ch), StandardCharsets.UTF_8)).isEqualTo("{\"ack\":\"abc\"}");
        List<Event> second = sink.chunks().get(1).events();
        assertThat(second).hasSize(2);
        assertThat(second.get(1).nanos()).isEqualTo(500_000_000);
    }

    @Test
    void tcpHeartbeatNilIsHarmless() {
        EmbeddedChannel ch = pipes.open();
        ch.writeInbound(buf(new byte[]{(byte) 0xc0}));
        ch.writeInbound(buf(pack(p -> {
            p.packArrayHeader(3).packString("after").packLong(1);
            Msgpack.writeRecord(p, R1);
        })));
        assertThat(only(ch).tag()).isEqualTo("after");
        assertThat(pipes.counter("fluent_receiver_heartbeats", "tcp")).isEqualTo(1);
    }

    @Test
    void invalidEventsAreSkippedAndCountedValidOnesPublished() {
        EmbeddedChannel ch = pipes.open();
        ch.writeInbound(buf(pack(p -> {
            p.packArrayHeader(3).packString("partly").packArrayHeader(4);
            p.packArrayHeader(2).packLong(1);
            Msgpack.writeRecord(p, R1);
            p.packArrayHeader(2).packLong(2).packString("not a map");
            p.packArrayHeader(2).packString("not a time");
            Msgpack.writeRecord(p, R1);
            p.packArrayHeader(2).packLong(4);
            Msgpack.writeRecord(p, R2);
            p.packMapHeader(1).packString("chunk").packString("k");
        })));
        Chunk c = only(ch);
        assertThat(c.events()).extracting(Event::epochSeconds).containsExactly(1L, 4L);
        assertThat(c.invalidEvents()).containsEntry("record_not_map", 1).containsEntry("bad_time", 1);
        assertThat(pipes.counter("fluent_receiver_invalid_events", "record_not_map")).isEqualTo(1);
        assertThat(outbound(ch)).as("the chunk is acked: the agent must not resend skipped events").isNotEmpty();
    }

    @Test
    void strictModeClosesOnInvalidEvent() {
        Pipelines strict = new Pipelines(sink, Map.of("skip_invalid_event", "false"));
        EmbeddedChannel ch = strict.open();
        ch.writeInbound(buf(pack(p -> {
            p.packArrayHeader(2).packString("strict").packArrayHeader(1);
            p.packArrayHeader(2).packLong(2).packString("not a map");
        })));
        assertThat(ch.isOpen()).isFalse();
        assertThat(sink.chunks()).isEmpty();
        assertThat(strict.counter("fluent_receiver_protocol_errors", "invalid_event")).isEqualTo(1);
    }

    @Test
    void ackOnlyAfterTheSinkStoredEverything() {
        RecordingSink manual = new RecordingSink(false);
        Pipelines p2 = new Pipelines(manual, Map.of());
        EmbeddedChannel ch = p2.open();
        ch.writeInbound(buf(pack(p -> {
            p.packArrayHeader(3).packString("wait").packArrayHeader(1).packArrayHeader(2).packLong(1);
            Msgpack.writeRecord(p, R1);
            p.packMapHeader(1).packString("chunk").packString("c-wait");
        })));
        assertThat(outbound(ch)).as("no ack before the store answered").isEmpty();
        manual.published.get(0).listener().stored();
        ch.runPendingTasks();
        assertThat(outbound(ch)).isEqualTo(pack(p -> p.packMapHeader(1).packString("ack").packString("c-wait")));
    }

    @Test
    void storeFailureClosesWithoutAck() {
        RecordingSink manual = new RecordingSink(false);
        Pipelines p2 = new Pipelines(manual, Map.of());
        EmbeddedChannel ch = p2.open();
        ch.writeInbound(buf(pack(p -> {
            p.packArrayHeader(3).packString("fail").packArrayHeader(1).packArrayHeader(2).packLong(1);
            Msgpack.writeRecord(p, R1);
            p.packMapHeader(1).packString("chunk").packString("c-fail");
        })));
        manual.published.get(0).listener().failed(new org.apache.kafka.common.errors.TimeoutException("test"));
        ch.runPendingTasks();
        assertThat(outbound(ch)).isEmpty();
        assertThat(ch.isOpen()).isFalse();
    }

    @Test
    void sourceAddressKeyIsAddedToRecords() throws IOException {
        Pipelines p2 = new Pipelines(sink, Map.of("source_address_key", "source_ip"));
        EmbeddedChannel ch = p2.open();
        ch.writeInbound(buf(pack(p -> {
            p.packArrayHeader(3).packString("src").packLong(1);
            Msgpack.writeRecord(p, R1);
        })));
        // EmbeddedChannel has no IP address, so the record passes unchanged; the real-socket test checks the value.
        assertThat(only(ch).events().get(0).record()).isEqualTo(Msgpack.record(R1));
        byte[] withField = io.dls.receiver.codec.RecordFields.withField(Msgpack.record(R1), "source_ip", "127.0.0.1");
        assertThat(Msgpack.read(withField).toString()).isEqualTo(
                "{\"message\":\"hello\",\"level\":\"INFO\",\"source_ip\":\"127.0.0.1\"}");
    }
}
