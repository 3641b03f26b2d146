package io.dls.job.decode;

import io.dls.job.normalize.Note;
import org.junit.jupiter.api.Test;
import org.msgpack.core.MessageBufferPacker;
import org.msgpack.core.MessagePack;

import java.io.IOException;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Bounds and repairs of the record decoder; each refusal is an IllegalArgumentException with the reason. */
class MsgpackTest {

    private static byte[] nested(int depth) {
        byte[] b = new byte[depth * 3 + 1];
        for (int i = 0; i < depth; i++) {
            b[3 * i] = (byte) 0x81; // fixmap of 1
            b[3 * i + 1] = (byte) 0xa1; // fixstr of 1
            b[3 * i + 2] = 'a';
        }
        b[depth * 3] = (byte) 0xc0;
        return b;
    }

    @Test
    void nestingIsBoundedWithoutRecursingIntoIt() {
        assertThat(Msgpack.decodeMap(nested(Msgpack.MAX_DEPTH)).record()).containsKey("a");
        assertThatThrownBy(() -> Msgpack.decodeMap(nested(Msgpack.MAX_DEPTH + 1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("nested deeper than 100");
        // A million levels: msgpack-java's recursive unpackValue would overflow the stack (an Error, not caught).
        assertThatThrownBy(() -> Msgpack.decodeMap(nested(1_000_000)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("nested deeper");
    }

    @Test
    void declaredLengthsMustBeBackedByBytes() {
        // array32 of 4,294,967,295 and of 16,777,215 elements, with no elements.
        assertThatThrownBy(() -> Msgpack.decodeMap(new byte[]{(byte) 0xdd, -1, -1, -1, -1}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not msgpack");
        assertThatThrownBy(() -> Msgpack.decodeMap(new byte[]{(byte) 0xdd, 0, -1, -1, -1}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("declares 16777215 values");
        // A map whose string claims 1 GB.
        assertThatThrownBy(() -> Msgpack.decodeMap(new byte[]{(byte) 0x81, (byte) 0xa1, 'a', (byte) 0xdb, 0x40, 0, 0, 0}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not msgpack");
    }

    @Test
    void valueCountIsBounded() throws IOException {
        try (MessageBufferPacker p = MessagePack.newDefaultBufferPacker()) {
            p.packMapHeader(1).packString("nils").packArrayHeader(Msgpack.MAX_VALUES);
            for (int i = 0; i < Msgpack.MAX_VALUES; i++) {
                p.packNil();
            }
            assertThatThrownBy(() -> Msgpack.decodeMap(p.toByteArray())).hasMessageContaining("more than 100000 values");
        }
    }

    @Test
    void notAMapTrailingBytesAndEmpty() {
        assertThatThrownBy(() -> Msgpack.decodeMap(new byte[]{(byte) 0xc0})).hasMessageContaining("NIL, not a map");
        assertThatThrownBy(() -> Msgpack.decodeMap(new byte[]{(byte) 0xa1, 'x'})).hasMessageContaining("STRING, not a map");
        assertThatThrownBy(() -> Msgpack.decodeMap(new byte[]{(byte) 0x80, 1})).hasMessageContaining("trailing bytes");
        assertThatThrownBy(() -> Msgpack.decodeMap(new byte[0])).hasMessageContaining("empty");
    }

    @Test
    void nonStringKeysInvalidUtf8AndDuplicatesAreKeptAndNoted() throws IOException {
        try (MessageBufferPacker p = MessagePack.newDefaultBufferPacker()) {
            p.packMapHeader(6);
            p.packInt(1).packString("one");
            p.packNil().packString("nil key");
            p.packArrayHeader(2).packInt(1).packInt(2).packString("array key");
            p.packString("bad").packRawStringHeader(3).writePayload(new byte[]{'a', (byte) 0xff, 'b'});
            p.packString("dup").packString("first");
            p.packString("dup").packString("second");
            Msgpack.Decoded d = Msgpack.decodeMap(p.toByteArray());
            assertThat(d.record()).containsEntry("1", "one").containsEntry("null", "nil key")
                    .containsEntry("[1,2]", "array key").containsEntry("bad", "a\uFFFDb").containsEntry("dup", "second");
            assertThat(d.notes()).extracting(Note::tag)
                    .containsExactly(Note.NON_STRING_KEY, Note.INVALID_UTF8, Note.DUPLICATE_KEY);
        }
    }

    @Test
    void longKeysAreCutApartFromEachOther() throws IOException {
        try (MessageBufferPacker p = MessagePack.newDefaultBufferPacker()) {
            String a = "k".repeat(60_000) + "a";
            String b = "k".repeat(60_000) + "b";
            p.packMapHeader(2).packString(a).packInt(1).packString(b).packInt(2);
            Msgpack.Decoded d = Msgpack.decodeMap(p.toByteArray());
            assertThat(d.record()).hasSize(2).containsValues(1L, 2L);
            assertThat(d.record().keySet()).allSatisfy(k -> assertThat(k).hasSize(Msgpack.MAX_KEY_CHARS).startsWith("kkk"));
            assertThat(d.notes()).extracting(Note::tag).containsExactly(Note.TRUNCATED);
        }
    }

    @Test
    void aCleanRecordHasNoNotes() throws IOException {
        try (MessageBufferPacker p = MessagePack.newDefaultBufferPacker()) {
            p.packMapHeader(1).packString("message").packString("ok");
            Msgpack.Decoded d = Msgpack.decodeMap(p.toByteArray());
            assertThat(d.record()).isEqualTo(Map.of("message", "ok"));
            assertThat(d.notes()).isEmpty();
        }
    }
}
