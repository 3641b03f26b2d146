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
        h.setProcessingTime(1_700_000_100_000L); // the job's clock, a little after the records' times
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

    private static OneInputStreamOperatorTestHarness<RawRecord, LogEvent> harness(InputLimits limits, long now)
            throws Exception {
        OneInputStreamOperatorTestHarness<RawRecord, LogEvent> h = ProcessFunctionTestHarnesses.forProcessFunction(
                new DecodeFunction(new Normalizer(AliasConfig.defaults()), limits));
        h.setProcessingTime(now);
        return h;
    }

    @Test
    void farFutureTimeIsReplacedByTheJobsClockAndSaysSo() throws Exception {
        long now = 1_700_000_000_000L;
        var h = harness(InputLimits.defaults(), now);
        RawRecord future = raw(record("INFO", "from year 3000"), "svc", 1);
        future.timestamp = 32_503_680_000_000L;
        h.processElement(future, 0);
        RawRecord skewed = raw(record("INFO", "4 minutes ahead: within the skew"), "svc", 2);
        skewed.timestamp = now + 240_000;
        h.processElement(skewed, 0);
        RawRecord epoch = raw(record("INFO", "1970"), "svc", 3);
        epoch.timestamp = 0;
        h.processElement(epoch, 0);

        var events = h.extractOutputValues();
        assertThat(events.get(0).epochMillis).isEqualTo(now);
        assertThat(events.get(0).tags).containsExactly("event_time_replaced");
        assertThat(events.get(0).reason).contains("3000-01-01T00:00:00Z").contains("--max-clock-skew");
        assertThat(events.get(1).epochMillis).isEqualTo(now + 240_000);
        assertThat(events.get(1).tags).isNull();
        assertThat(events.get(2).timestamp).as("the past is kept, however far").isEqualTo("1970-01-01T00:00:00Z");
    }

    @Test
    void oversizedEventIsCutToTheLimitWithItsPlace() throws Exception {
        var h = harness(new InputLimits(8192, 300_000), 1_700_000_100_000L);
        h.processElement(raw(record("ERROR", "m".repeat(100_000)), "svc", 7), 0);
        LogEvent e = h.extractOutputValues().get(0);
        assertThat(io.dls.job.route.Json.bytes(e.toDocument()).length).isLessThanOrEqualTo(8192);
        assertThat(e.tags).containsExactly("truncated");
        assertThat(e.reason).contains("message (100000 bytes)").contains("logs.raw partition 0 offset 7");
        assertThat(e.level).isEqualTo("ERROR");
    }

    @Test
    void invalidRecordsCarryAtMost64KiBOfTheirBytes() throws Exception {
        var h = harness(InputLimits.defaults(), 1_700_000_100_000L);
        byte[] huge = new byte[1_000_000];
        huge[0] = (byte) 0x93; // an array: not a map
        h.processElement(raw(huge, "svc", 1), 0);
        InvalidRecord r = h.getSideOutput(DecodeFunction.INVALID).peek().getValue();
        assertThat(java.util.Base64.getDecoder().decode(r.valueBase64)).hasSize(InvalidRecord.MAX_VALUE_BYTES);
        assertThat(r.valueSize).isEqualTo(1_000_000);
        assertThat(r.toDocument()).containsEntry("value_truncated", true);
    }

    @Test
    void fluentBitMetadataIsKeptUnderMetadataAndSearchableByPairs() throws Exception {
        OneInputStreamOperatorTestHarness<RawRecord, LogEvent> h = ProcessFunctionTestHarnesses.forProcessFunction(
                new DecodeFunction(new Normalizer(AliasConfig.defaults())));
        h.setProcessingTime(1_700_000_100_000L);
        RawRecord withMetadata = raw(record("INFO", "from fluent bit"), "fb", 1);
        try (MessageBufferPacker p = MessagePack.newDefaultBufferPacker()) {
            p.packMapHeader(2).packString("otlp").packMapHeader(1).packString("trace_id").packString("abc")
                    .packString("source").packString("tail");
            withMetadata.metadata = p.toByteArray();
        }
        h.processElement(withMetadata, 0);
        RawRecord badMetadata = raw(record("INFO", "odd header"), "fb", 2);
        badMetadata.metadata = new byte[]{1, 2, 3};
        h.processElement(badMetadata, 0);

        var events = h.extractOutputValues();
        assertThat(events).hasSize(2);
        LogEvent e = events.get(0);
        assertThat(e.metadata).containsEntry("source", "tail");
        assertThat(e.get("metadata.otlp.trace_id")).isEqualTo("abc");
        String json = new String(io.dls.job.route.Json.bytes(e), StandardCharsets.UTF_8);
        assertThat(json).contains("\"metadata\":{\"otlp\":{\"trace_id\":\"abc\"},\"source\":\"tail\"}");
        var stored = io.dls.job.index.StoredDocument.of(io.dls.job.route.Json.bytes(e), false);
        assertThat(stored).isInstanceOfSatisfying(io.dls.job.index.StoredDocument.Store.class, s ->
                assertThat(new String(s.document().source, StandardCharsets.UTF_8))
                        .contains("\"metadata.otlp.trace_id=abc\"", "\"metadata.source=tail\""));
        assertThat(events.get(1).metadata).isNull();
        assertThat(events.get(1).tags).contains("invalid_metadata");
    }
}
