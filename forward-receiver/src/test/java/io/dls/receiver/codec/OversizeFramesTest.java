package io.dls.receiver.codec;

import io.dls.receiver.support.Msgpack;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.DecoderException;
import org.junit.jupiter.api.Test;
import org.msgpack.core.MessageBufferPacker;
import org.msgpack.core.MessagePack;
import org.msgpack.value.Value;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Frames over chunk_size_limit, the memory budget for half frames, and cutting records to a size. */
class OversizeFramesTest {
    private static final long LIMIT = 32L << 20;

    private static byte[] entry(int i, String message) {
        return Msgpack.pack(p -> {
            p.packArrayHeader(2);
            p.packLong(1_700_000_000L + i);
            Msgpack.writeRecord(p, Map.of("message", message));
        });
    }

    private static Map<String, Value> fields(byte[] record) {
        Map<String, Value> out = new LinkedHashMap<>();
        for (Map.Entry<Value, Value> e : Msgpack.read(record).asMapValue().entrySet()) {
            out.put(e.getKey().toString(), e.getValue());
        }
        return out;
    }

    @Test
    void eventOverTheLimitIsCutAsItStreamsWithoutHoldingIt() throws Exception {
        int huge = 40 << 20;
        byte[] before = entry(0, "before");
        byte[] after = entry(2, "after");
        // Entry 1: [time, {"message": <40 MiB str>}], written as a header then streamed.
        byte[] hugeHead = Msgpack.pack(p -> {
            p.packArrayHeader(2);
            p.packLong(1_700_000_001L);
            p.packMapHeader(1);
            p.packString("message");
            p.packRawStringHeader(huge);
        });
        long entriesLen = before.length + hugeHead.length + (long) huge + after.length;
        byte[] head = Msgpack.pack(p -> {
            p.packArrayHeader(3);
            p.packString("app.huge");
            p.packBinaryHeader((int) entriesLen);
        });
        byte[] options = Msgpack.pack(p -> {
            p.packMapHeader(1);
            p.packString("chunk");
            p.packString("Y2h1bmsx");
        });
        ForwardFrameDecoder decoder = new ForwardFrameDecoder(LIMIT, 64);
        EmbeddedChannel ch = new EmbeddedChannel(decoder);
        ch.writeInbound(Unpooled.wrappedBuffer(Msgpack.concat(head, before, hugeHead)));
        byte[] slice = new byte[64 * 1024];
        Arrays.fill(slice, (byte) 'x');
        slice[0] = (byte) 0xc3; // a two-byte character across a slice boundary must not be split by the cut
        slice[1] = (byte) 0xa9;
        long maxHeld = 0;
        for (long sent = 0; sent < huge; sent += slice.length) {
            ch.writeInbound(Unpooled.wrappedBuffer(slice));
            maxHeld = Math.max(maxHeld, decoder.heldBytes());
        }
        ch.writeInbound(Unpooled.wrappedBuffer(Msgpack.concat(after, options)));
        assertThat(maxHeld).as("held while 40 MiB streamed through").isLessThan(2L << 20);
        Frame frame = ch.readInbound();
        assertThat(frame).isNotNull();
        assertThat(frame.cuts()).containsOnlyKeys(1);
        assertThat(decoder.heldBytes()).isZero();

        Chunk chunk = new ChunkDecoder(CodecLimits.defaults()).decode(frame);
        assertThat(chunk.events()).hasSize(3);
        assertThat(chunk.wantsAck()).isTrue();
        assertThat(fields(chunk.events().get(0).record()).get("message").toString()).isEqualTo("before");
        assertThat(fields(chunk.events().get(2).record()).get("message").toString()).isEqualTo("after");
        Event cut = chunk.events().get(1);
        int originalRecord = 1 + 8 + 5 + huge; // fixmap, "message", str32 header, payload
        assertThat(cut.cutFrom()).isEqualTo(originalRecord);
        byte[] kept = fields(cut.record()).get("message").asStringValue().asByteArray();
        assertThat(kept.length).isLessThanOrEqualTo(OversizeFrameCutter.KEEP_BYTES).isGreaterThan(500_000);
        assertThat(new String(kept, StandardCharsets.UTF_8)).doesNotContain("\uFFFD");
        assertThat(chunk.events().get(0).cut()).isFalse();
    }

    @Test
    void overLimitTagIsStillRefusedAtOnce() {
        EmbeddedChannel ch = new EmbeddedChannel(new ForwardFrameDecoder(1 << 20, 64));
        assertThatThrownBy(() -> ch.writeInbound(Unpooled.wrappedBuffer(new byte[]{(byte) 0x93, (byte) 0xc6, 0, 0x10, 0, 1})))
                .isInstanceOf(DecoderException.class).hasRootCauseInstanceOf(ProtocolException.class)
                .rootCause().hasMessageContaining("outside any event");
    }

    @Test
    void halfFramesOverTheSharedBudgetCloseOnlyTheConnectionThatWouldExceedIt() {
        PartialFrameBudget budget = new PartialFrameBudget(1 << 20);
        ForwardFrameDecoder first = new ForwardFrameDecoder(LIMIT, 64, budget);
        ForwardFrameDecoder second = new ForwardFrameDecoder(LIMIT, 64, budget);
        EmbeddedChannel a = new EmbeddedChannel(first);
        EmbeddedChannel b = new EmbeddedChannel(second);
        byte[] frameStart = Msgpack.pack(p -> {
            p.packArrayHeader(3);
            p.packString("t");
            p.packBinaryHeader(30 << 20);
        });
        a.writeInbound(Unpooled.wrappedBuffer(frameStart), Unpooled.wrappedBuffer(new byte[700 * 1024]));
        assertThat(budget.heldBytes()).isGreaterThan(700 * 1024);
        b.writeInbound(Unpooled.wrappedBuffer(frameStart));
        assertThatThrownBy(() -> b.writeInbound(Unpooled.wrappedBuffer(new byte[400 * 1024])))
                .hasRootCauseInstanceOf(ProtocolException.class)
                .rootCause().hasMessageContaining("max_partial_frame_bytes");
        assertThat(budget.heldBytes()).as("the refused connection's bytes are released").isEqualTo(first.heldBytes());
        a.writeInbound(Unpooled.wrappedBuffer(new byte[100 * 1024]));
        assertThat(a.isActive()).isTrue();
        assertThatThrownBy(a::finishAndReleaseAll).as("hanging up mid-frame is still reported")
                .rootCause().hasMessageContaining("incomplete frame");
        assertThat(budget.heldBytes()).isZero();
    }

    @Test
    void recordIsCutToTheBudgetAndStaysAMap() throws Exception {
        MessageBufferPacker p = MessagePack.newDefaultBufferPacker();
        p.packMapHeader(4);
        p.packString("service");
        p.packString("payments");
        p.packString("message");
        p.packString("é".repeat(1 << 20)); // 2 MiB of two-byte characters
        p.packString("stack");
        p.packArrayHeader(3000);
        for (int i = 0; i < 3000; i++) {
            p.packString("frame " + i);
        }
        p.packString("n");
        p.packInt(7);
        byte[] record = p.toByteArray();
        byte[] cut = RecordCutter.cut(record, 100_000);
        assertThat(cut.length).isLessThanOrEqualTo(100_000);
        Map<String, Value> f = fields(cut);
        assertThat(f.get("service").toString()).isEqualTo("payments");
        assertThat(f.get("n").asIntegerValue().toInt()).isEqualTo(7);
        assertThat(f.get("message").toString()).matches("é+").hasSizeGreaterThan(20_000);
        assertThat(f.get("stack").isArrayValue()).as("the array fits beside the cut message").isTrue();
        assertThat(RecordCutter.cut(record, record.length)).isSameAs(record);
        assertThat(List.of(fields(RecordCutter.cut(record, 64)).keySet().toArray())).contains("service");
    }
}
