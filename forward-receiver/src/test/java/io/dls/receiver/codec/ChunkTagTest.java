package io.dls.receiver.codec;

import io.dls.receiver.support.Msgpack;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The tag of a Forward-mode chunk: an empty one drops the chunk's events as invalid, on any connection. */
class ChunkTagTest {

    private static byte[] forward(String tag) {
        return Msgpack.pack(p -> {
            p.packArrayHeader(3).packString(tag).packArrayHeader(2);
            for (int i = 0; i < 2; i++) {
                p.packArrayHeader(2).packLong(1_700_000_000L + i);
                Msgpack.writeRecord(p, Map.of("message", "m" + i));
            }
            p.packMapHeader(1).packString("chunk").packString("c1");
        });
    }

    @Test
    void anEmptyTagFirstOnAConnectionIsDroppedAsInvalidAndAcked() throws Exception {
        // A new decoder's remembered tag is the empty one: its first chunk with an empty tag once came back with
        // a null tag (a NullPointerException instead of a dropped, acked chunk; found by FramingPropertiesTest).
        ChunkDecoder decoder = new ChunkDecoder(CodecLimits.defaults());
        Chunk c = decoder.decode(new Frame(forward(""), false));
        assertThat(c.tag()).isEmpty();
        assertThat(c.events()).isEmpty();
        assertThat(c.invalidEvents()).containsEntry("empty_tag", 2);
        assertThat(c.ackReply()).isNotNull();
    }

    @Test
    void tagsAfterEachOtherKeepTheirOwnNames() throws Exception {
        ChunkDecoder decoder = new ChunkDecoder(CodecLimits.defaults());
        assertThat(decoder.decode(new Frame(forward("app.a"), false)).tag()).isEqualTo("app.a");
        assertThat(decoder.decode(new Frame(forward("app.a"), false)).tag()).isEqualTo("app.a");
        Chunk empty = decoder.decode(new Frame(forward(""), false));
        assertThat(empty.tag()).isEmpty();
        assertThat(empty.invalidEvents()).containsEntry("empty_tag", 2);
        Chunk b = decoder.decode(new Frame(forward("app.b"), false));
        assertThat(b.tag()).isEqualTo("app.b");
        assertThat(b.events()).hasSize(2);
    }
}
