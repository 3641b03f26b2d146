package io.dls.job.decode;

import io.dls.job.normalize.EventIds;
import io.dls.job.normalize.EventSize;
import io.dls.job.normalize.LogEvent;
import io.dls.job.normalize.Normalizer;
import io.dls.job.normalize.Note;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * Raw record to normalized event. Anything that cannot become an event goes to the {@link #INVALID} side
 * output with its reason and place; what can, but only with a change (an impossible time, an oversized
 * string, a value of the wrong type), carries the change in its tags and event.reason. The job never fails
 * on data.
 */
public final class DecodeFunction extends ProcessFunction<RawRecord, LogEvent> {
    public static final OutputTag<InvalidRecord> INVALID = new OutputTag<>("invalid") { };

    private final Normalizer normalizer;
    private final InputLimits limits;
    private transient Counter invalid;
    private transient Counter changed;

    public DecodeFunction(Normalizer normalizer) {
        this(normalizer, InputLimits.defaults());
    }

    public DecodeFunction(Normalizer normalizer, InputLimits limits) {
        this.normalizer = normalizer;
        this.limits = limits;
    }

    @Override
    public void open(OpenContext ctx) {
        invalid = getRuntimeContext().getMetricGroup().counter("invalidRecords");
        changed = getRuntimeContext().getMetricGroup().counter("changedRecords");
    }

    /** Fluent Bit's metadata into the event; a map that does not decode is noted, and the event kept. */
    private static void metadata(byte[] bytes, LogEvent e) {
        try {
            Msgpack.Decoded m = Msgpack.decodeMap(bytes);
            if (!m.record().isEmpty()) {
                e.metadata = m.record();
            }
        } catch (IllegalArgumentException bad) {
            e.note(new Note("invalid_metadata", "the fluent.metadata header is not a msgpack map ("
                    + bad.getMessage() + "); the event is kept without it"));
        }
    }

    @Override
    public void processElement(RawRecord raw, Context ctx, Collector<LogEvent> out) {
        String reason;
        try {
            if (raw.tag == null || raw.tag.isEmpty()) {
                throw new IllegalArgumentException("record has no tag (Kafka key)");
            }
            Msgpack.Decoded decoded = Msgpack.decodeMap(raw.value);
            EventTime time = EventTime.of(raw, limits, ctx.timerService().currentProcessingTime());
            String id = EventIds.of(raw.tag, raw.chunk, raw.topic, raw.partition, raw.offset);
            LogEvent e = normalizer.normalize(raw.tag, time.seconds(), time.nanos(), decoded.record(), id);
            decoded.notes().forEach(e::note);
            if (raw.metadata != null) {
                metadata(raw.metadata, e);
            }
            if (time.note() != null) {
                e.note(time.note());
            }
            EventSize.fit(e, limits.maxEventBytes(), raw.value.length, raw.topic, raw.partition, raw.offset);
            if (e.tags != null && changed != null) {
                changed.inc();
            }
            out.collect(e);
            return;
        } catch (IllegalArgumentException e) {
            reason = e.getMessage();
        } catch (RuntimeException | StackOverflowError e) {
            // Nothing here should throw on data any more; if something still does, the record is set aside
            // rather than failing the job on every restart.
            reason = "cannot normalize: " + e;
        }
        if (invalid != null) {
            invalid.inc();
        }
        ctx.output(INVALID, InvalidRecord.of(raw, reason));
    }
}
