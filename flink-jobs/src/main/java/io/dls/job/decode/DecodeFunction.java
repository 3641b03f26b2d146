package io.dls.job.decode;

import io.dls.job.normalize.EventIds;
import io.dls.job.normalize.LogEvent;
import io.dls.job.normalize.Normalizer;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

import java.util.Map;

/**
 * Raw record to normalized event. Anything that cannot become an event goes to the {@link #INVALID} side
 * output with its reason and place; the job never fails on data.
 */
public final class DecodeFunction extends ProcessFunction<RawRecord, LogEvent> {
    public static final OutputTag<InvalidRecord> INVALID = new OutputTag<>("invalid") { };

    private final Normalizer normalizer;
    private transient Counter invalid;

    public DecodeFunction(Normalizer normalizer) {
        this.normalizer = normalizer;
    }

    @Override
    public void open(OpenContext ctx) {
        invalid = getRuntimeContext().getMetricGroup().counter("invalidRecords");
    }

    @Override
    public void processElement(RawRecord raw, Context ctx, Collector<LogEvent> out) {
        String reason;
        try {
            if (raw.tag == null || raw.tag.isEmpty()) {
                throw new IllegalArgumentException("record has no tag (Kafka key)");
            }
            Map<String, Object> record = Msgpack.decodeMap(raw.value);
            long seconds;
            int nanos;
            if (raw.time != null && raw.time.length == 8) {
                seconds = ((raw.time[0] & 0xffL) << 24) | ((raw.time[1] & 0xffL) << 16)
                        | ((raw.time[2] & 0xffL) << 8) | (raw.time[3] & 0xffL);
                nanos = ((raw.time[4] & 0xff) << 24) | ((raw.time[5] & 0xff) << 16)
                        | ((raw.time[6] & 0xff) << 8) | (raw.time[7] & 0xff);
                if (nanos < 0 || nanos > 999_999_999) {
                    throw new IllegalArgumentException("fluent.time header has nanoseconds " + nanos);
                }
            } else {
                seconds = Math.floorDiv(raw.timestamp, 1000);
                nanos = (int) Math.floorMod(raw.timestamp, 1000) * 1_000_000;
            }
            String id = EventIds.of(raw.tag, raw.chunk, raw.topic, raw.partition, raw.offset);
            out.collect(normalizer.normalize(raw.tag, seconds, nanos, record, id));
            return;
        } catch (IllegalArgumentException e) {
            reason = e.getMessage();
        } catch (RuntimeException e) {
            reason = "cannot normalize: " + e;
        }
        if (invalid != null) {
            invalid.inc();
        }
        ctx.output(INVALID, InvalidRecord.of(raw, reason));
    }
}
