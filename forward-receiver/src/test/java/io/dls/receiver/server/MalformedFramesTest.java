package io.dls.receiver.server;

import io.dls.receiver.support.Msgpack;
import io.dls.receiver.support.Pipelines;
import io.dls.receiver.support.RecordingSink;
import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;

import static io.dls.receiver.support.Msgpack.pack;
import static io.dls.receiver.support.Pipelines.buf;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Hostile frames: each one closes its own connection with a counted reason, publishes nothing, and a
 * second connection on the same pipeline factory keeps working.
 */
class MalformedFramesTest {
    private final RecordingSink sink = new RecordingSink(true);
    private final Pipelines pipes = new Pipelines(sink, Map.of(
            "chunk_size_limit", "1m", "decompressed_size_limit", "1m", "max_nesting_depth", "32"));

    static Stream<Arguments> corpus() throws IOException {
        byte[] zeros = new byte[8 << 20];
        ByteArrayOutputStream gz = new ByteArrayOutputStream();
        try (GZIPOutputStream out = new GZIPOutputStream(gz)) {
            out.write(zeros);
        }
        byte[] gzipBomb = gz.toByteArray();
        byte[] zstdBomb = com.github.luben.zstd.Zstd.compress(zeros);
        byte[] deep = new byte[100];
        java.util.Arrays.fill(deep, (byte) 0x91); // 100 nested one-element arrays
        return Stream.of(
                Arguments.of("never-used byte 0xc1", new byte[]{(byte) 0xc1}, "bad_type"),
                Arguments.of("str32 declaring 4 GiB", new byte[]{(byte) 0x93, (byte) 0xdb, -1, -1, -1, -1}, "too_large"),
                Arguments.of("array32 declaring 4 billion", new byte[]{(byte) 0xdd, -1, -1, -1, -1}, "too_large"),
                Arguments.of("map32 declaring 2 billion", new byte[]{(byte) 0xdf, 0x7f, -1, -1, -1}, "too_large"),
                Arguments.of("bin32 just over the limit", new byte[]{(byte) 0x92, (byte) 0xc6, 0, 0x10, 0, 1}, "too_large"),
                Arguments.of("nesting 100 deep", deep, "too_deep"),
                Arguments.of("top level is a map", pack(p -> p.packMapHeader(1).packString("a").packInt(1)), "not_array"),
                Arguments.of("array of one", pack(p -> p.packArrayHeader(1).packString("tag")), "bad_message"),
                Arguments.of("tag is a number", pack(p -> p.packArrayHeader(3).packInt(7).packInt(1).packMapHeader(0)), "bad_tag"),
                Arguments.of("tag is not UTF-8", pack(p -> p.packArrayHeader(3).packRawStringHeader(2)
                        .writePayload(new byte[]{(byte) 0xc3, 0x28}).packInt(1).packMapHeader(0)), "bad_tag"),
                Arguments.of("options are a number", pack(p -> p.packArrayHeader(4).packString("t").packInt(1)
                        .packMapHeader(0).packInt(5)), "bad_options"),
                Arguments.of("gzip bomb", packed(gzipBomb, "gzip"), "decompressed_too_large"),
                Arguments.of("zstd bomb", packed(zstdBomb, "zstd"), "decompressed_too_large"),
                Arguments.of("corrupt gzip", packed(new byte[]{0x1f, (byte) 0x8b, 8, 0, 1, 2, 3, 4, 5, 6, 7}, "gzip"), "bad_compression"),
                Arguments.of("unknown compression", packed(new byte[]{1}, "lzma"), "bad_compression"),
                Arguments.of("truncated frame, then hang-up", pack(p -> p.packArrayHeader(3).packString("t")
                        .packBinaryHeader(300).writePayload(new byte[]{1, 2, 3})), null),
                Arguments.of("JSON not an array", "{\"a\": 1}".getBytes(), "bad_message"),
                // Closed by the wrong bracket: one frame that is not JSON. ("[\"t\", 1]]" was first a bad_message
                // frame, and a connection is reported for its first error only.)
                Arguments.of("JSON unbalanced", "[\"t\", 1}".getBytes(), "bad_json"),
                Arguments.of("JSON garbage inside", "[\"t\", 1, {x}]".getBytes(), "bad_json"),
                Arguments.of("TLS client hello on the plain port", new byte[]{0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, (byte) 0xfc, 0x03, 0x03}, null));
    }

    static byte[] packed(byte[] entries, String method) {
        return pack(p -> {
            p.packArrayHeader(3).packString("bomb").packBinaryHeader(entries.length).writePayload(entries);
            p.packMapHeader(1).packString("compressed").packString(method);
        });
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("corpus")
    void closesOnlyItsOwnConnection(String name, byte[] frame, String reason) {
        EmbeddedChannel bad = pipes.open();
        EmbeddedChannel good = pipes.open();
        bad.writeInbound(buf(frame));
        bad.finish(); // the peer hangs up after sending; a partial frame is simply dropped
        assertThat(bad.isOpen()).isFalse();
        assertThat(sink.chunks()).as("nothing published from a malformed frame").isEmpty();
        if (reason != null) {
            assertThat(pipes.counter("fluent_receiver_protocol_errors", reason)).as("metric for " + reason).isEqualTo(1);
        }
        good.writeInbound(buf(pack(p -> {
            p.packArrayHeader(3).packString("good").packLong(1);
            Msgpack.writeRecord(p, Map.of("message", "still fine"));
        })));
        assertThat(good.isOpen()).isTrue();
        assertThat(sink.chunks()).singleElement().satisfies(c -> assertThat(c.tag()).isEqualTo("good"));
    }

    @Test
    void hugeDeclaredLengthIsRefusedBeforeItsBytesArrive() {
        EmbeddedChannel ch = pipes.open();
        // 5 bytes on the wire announce 4 GiB: the connection must close now, not wait for (or buffer) more.
        ch.writeInbound(buf(new byte[]{(byte) 0x92, (byte) 0xc6, 0x7f, -1, -1, -1}));
        assertThat(ch.isOpen()).isFalse();
    }

    @Test
    void randomGarbageNeverEscapesThePipeline() {
        Random random = new Random(20261124);
        for (int i = 0; i < 2000; i++) {
            byte[] junk = new byte[1 + random.nextInt(200)];
            random.nextBytes(junk);
            EmbeddedChannel ch = pipes.open();
            ch.writeInbound(buf(junk));
            ch.finish();
            ch.checkException(); // throws if anything reached the end of the pipeline unhandled
        }
        assertThat(pipes.counter("fluent_receiver_protocol_errors", "internal")).isZero();
    }
}
