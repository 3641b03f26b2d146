package io.dls.job.patterns;

import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.TimerService;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Drops further alerts of one pattern for one key during {@code suppress} after an alert passes (ElastAlert's
 * {@code realert}), so a storm raises one alert, not hundreds. Keyed by the alert's key value.
 *
 * <p>The only state is the end of the current quiet period. A timer at that instant clears it, so a key
 * that has gone quiet leaves neither state nor timers behind. In event time the clock is the alert's own
 * time ({@link Alert#epochMillis}), not the record timestamp, which for absence alerts is the watermark
 * that closed the window (Long.MAX_VALUE at the end of a bounded input).
 */
public class SuppressFunction extends KeyedProcessFunction<String, Alert, Alert> {

    private final long periodMillis;
    private final boolean processingTime;

    private transient ValueState<Long> quietUntil;
    private transient Counter suppressed;

    public SuppressFunction(long periodMillis, boolean processingTime) {
        if (periodMillis <= 0) {
            throw new IllegalArgumentException("suppress period must be positive, was " + periodMillis);
        }
        this.periodMillis = periodMillis;
        this.processingTime = processingTime;
    }

    @Override
    public void open(OpenContext openContext) {
        quietUntil = getRuntimeContext().getState(new ValueStateDescriptor<>("quiet-until", Types.LONG));
        suppressed = getRuntimeContext().getMetricGroup().counter("alertsSuppressed");
    }

    @Override
    public void processElement(Alert alert, Context ctx, Collector<Alert> out) throws Exception {
        TimerService timers = ctx.timerService();
        long now = processingTime ? timers.currentProcessingTime() : alert.epochMillis;
        Long until = quietUntil.value();
        if (until != null && now < until) {
            suppressed.inc();
            return;
        }
        out.collect(alert);
        if (until != null) {
            // The previous period is over but its timer has not fired yet (event time lags): replace it.
            deleteTimer(timers, until);
        }
        long next = now + periodMillis;
        quietUntil.update(next);
        registerTimer(timers, next);
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<Alert> out) throws Exception {
        Long until = quietUntil.value();
        if (until != null && until <= timestamp) {
            quietUntil.clear();
        }
    }

    private void registerTimer(TimerService timers, long at) {
        if (processingTime) {
            timers.registerProcessingTimeTimer(at);
        } else {
            timers.registerEventTimeTimer(at);
        }
    }

    private void deleteTimer(TimerService timers, long at) {
        if (processingTime) {
            timers.deleteProcessingTimeTimer(at);
        } else {
            timers.deleteEventTimeTimer(at);
        }
    }
}
