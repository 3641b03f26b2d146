package io.dls.receiver.codec;

import io.dls.receiver.support.Msgpack;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import org.msgpack.core.MessageBufferPacker;
import org.msgpack.core.MessagePack;

import java.io.IOException;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

/** Properties of the framing and decoding, checked against msgpack-core's own encoder. */
class FramingPropertiesTest {

    /** Random msgpack values of every type, nested a few levels. */
    private static void writeRandom(MessageBufferPacker p, Random r, int depth) throws IOException {
        int kind = r.nextInt(depth > 3 ? 9 : 11);
        switch (kind) {
            case 0 -> p.packNil();
            case 1 -> p.packBoolean(r.nextBoolean());
            case 2 -> p.packLong(r.nextLong() >> r.nextInt(64));
            case 3 -> p.packDouble(r.nextDouble());
            case 4 -> p.packFloat(r.nextFloat());
            case 5 -> p.packString("s".repeat(r.nextInt(300)));
            case 6 -> {
                byte[] b = new byte[r.nextInt(70_000) < 69_000 ? r.nextInt(40) : 66_000];
                p.packBinaryHeader(b.length).writePayload(b);
            }
            case 7 -> {
                byte[] b = new byte[new int[]{1, 2, 4, 8, 16, 3, 300}[r.nextInt(7)]];
                p.packExtensionTypeHeader((byte) r.nextInt(128), b.length).writePayload(b);
            }
            case 8 -> p.packLong(r.nextInt(200) - 100);
            case 9 -> {
                int n = r.nextInt(r.nextInt(10) == 0 ? 20 : 4);
                p.packArrayHeader(n);
                for (int i = 0; i < n; i++) {
                    writeRandom(p, r, depth + 1);
                }
            }
            default -> {
                int n = r.nextInt(4);
                p.packMapHeader(n);
                for (int i = 0; i < 2 * n; i++) {
                    writeRandom(p, r, depth + 1);
                }
            }
        }
    }

    @Provide
    Arbitrary<byte[]> values() {
        return Arbitraries.longs().map(seed -> Msgpack.pack(p -> {
            p.packArrayHeader(2);
            writeRandom(p, new Random(seed), 0);
            writeRandom(p, new Random(seed + 1), 0);
        }));
    }

    @Property(tries = 300)
    void scannerFindsExactlyTheEncodedValueHoweverTheBytesArrive(@ForAll("values") byte[] value,
                                                                  @ForAll @IntRange(min = 1, max = 4096) int step) {
        MsgpackFrameScanner scanner = new MsgpackFrameScanner(1 << 20, 64);
        ByteBuf buf = Unpooled.buffer();
        long found = -1;
        for (int off = 0; off < value.length; off += step) {
            assertThat(found).as("frame reported complete before its last byte").isEqualTo(-1);
            buf.writeBytes(value, off, Math.min(step, value.length - off));
            found = scanner.scan(buf);
        }
        assertThat(found).isEqualTo(value.length);
        // A second value right behind it is not swallowed into the first.
        scanner.reset();
        buf.writeBytes(value);
        assertThat(scanner.scan(buf)).isEqualTo(value.length);
    }

    @Property(tries = 500)
    void decoderRejectsMutatedChunksOnlyWithProtocolErrors(@ForAll("values") byte[] unused,
                                                            @ForAll long seed) throws IOException {
        Random r = new Random(seed);
        byte[] chunk = Msgpack.pack(p -> {
            p.packArrayHeader(3).packString("prop").packArrayHeader(3);
            for (int i = 0; i < 3; i++) {
                p.packArrayHeader(2).packLong(1_700_000_000L + i);
                Msgpack.writeRecord(p, java.util.Map.of("message", "m" + i, "n", i));
            }
            p.packMapHeader(1).packString("chunk").packString("abc");
        });
        for (int i = 0; i < 1 + r.nextInt(4); i++) {
            chunk[r.nextInt(chunk.length)] = (byte) r.nextInt(256);
        }
        ChunkDecoder decoder = new ChunkDecoder(CodecLimits.defaults());
        assertThatCode(() -> {
            try {
                Chunk c = decoder.decode(new Frame(chunk, false));
                for (Event e : c.events()) {
                    assertThat(MessagePack.newDefaultUnpacker(e.record()).unpackValue().isMapValue()).isTrue();
                }
            } catch (ProtocolException expected) {
                assertThat(expected.reason()).isNotBlank();
            }
        }).doesNotThrowAnyException();
    }

    @Property(tries = 200)
    void splitJsonFramesAreFoundWhole(@ForAll @IntRange(min = 1, max = 64) int step) {
        byte[] json = "[\"t\", [[1, {\"a\": \"x]}\\\"[\"}], [2, {\"b\": [1, {\"c\": {}}]}]], {\"chunk\": \"q\"}]"
                .getBytes(java.nio.charset.StandardCharsets.UTF_8);
        JsonFrameScanner scanner = new JsonFrameScanner(1 << 20, 64);
        ByteBuf buf = Unpooled.buffer();
        long found = -1;
        for (int off = 0; off < json.length; off += step) {
            buf.writeBytes(json, off, Math.min(step, json.length - off));
            found = scanner.scan(buf);
        }
        assertThat(found).isEqualTo(json.length);
        assertThat(new JsonChunkDecoder().decode(json).events()).hasSize(2);
        List.of();
    }
}
