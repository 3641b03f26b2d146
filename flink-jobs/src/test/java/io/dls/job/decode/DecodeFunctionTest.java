package io.dls.job.decode;

import io.dls.job.normalize.AliasConfig;
import io.dls.job.normalize.LogEvent;
import io.dls.job.normalize.Normalizer;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.apache.flink.streaming.util.ProcessFunctionTestHarnesses;
import org.junit.jupiter.api.Test;
import org.msgpack.core.MessageBufferPacker;
import org.msgpack.core.MessagePack;

import java.io.IOException;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

class DecodeFunctionTest {

    static RawRecord raw(byte[] value, String tag, long offset) {
        RawRecord r = new RawRecord();
        r.topic = "logs.raw";
        r.partition = 0;
        r.offset = offset;
        r.tag = tag;
        r.timestamp = 1_700_000_000_500L;
        r.value = value;
        return r;
    }

    static byte[] record(String level, String msg) throws IOException {
        try (MessageBufferPacker p = MessagePack.newDefaultBufferPacker()) {
            p.packMapHeader(3).packString("log_level").packString(level).packString("message").packString(msg)
                    .packString("service_name").packString("order");
            return p.toByteArray();
        }
    }

    @Test
    void decodesAndSendsTheUndecodableAside() throws Exception {
        OneInputStreamOperatorTestHarness<RawRecord, LogEvent> h = ProcessFunctionTestHarnesses.forProcessFunction(
                new DecodeFunction(new Normalizer(AliasConfig.defaults())));
        RawRecord good = raw(record("WARN", "slow"), "svc", 1);
        good.time = new byte[]{0x65, 0x53, (byte) 0xF1, 0x00, 0x00, 0x00, 0x00, 0x07};
        good.chunk = "abc#0";
        h.processElement(good, 0);
        h.processElement(raw("not msgpack at all".getBytes(StandardCharsets.UTF_8), "svc", 2), 0);
        h.processElement(raw(new byte[]{(byte) 0x93, 1, 2, 3}, "svc", 3), 0);
        h.processElement(raw(record("INFO", "no tag"), null, 4), 0);
        h.processElement(raw(new byte[0], "svc", 5), 0);

        assertThat(h.extractOutputValues()).singleElement().satisfies(e -> {
            assertThat(e.level).isEqualTo("WARN");
            assertThat(e.timestamp).isEqualTo("2023-11-14T22:13:20.000000007Z");
            assertThat(e.eventId).isEqualTo(io.dls.job.normalize.EventIds.of("svc", "abc#0", "logs.raw", 0, 1));
        });
        var invalid = h.getSideOutput(DecodeFunction.INVALID);
        assertThat(invalid).hasSize(4);
        assertThat(invalid.stream().map(r -> r.getValue().offset + ":" + r.getValue().reason).toList())
                .anySatisfy(s -> assertThat(s).startsWith("3:").contains("not a map"))
                .anySatisfy(s -> assertThat(s).startsWith("4:").contains("no tag"))
                .anySatisfy(s -> assertThat(s).startsWith("5:").contains("empty"))
                .anySatisfy(s -> assertThat(s).startsWith("2:"));
        assertThat(invalid.peek().getValue().valueBase64).isNotNull();
    }
}
