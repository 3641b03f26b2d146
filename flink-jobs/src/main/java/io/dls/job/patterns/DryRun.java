package io.dls.job.patterns;

import io.dls.job.normalize.LogEvent;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.CloseableIterator;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Runs patterns over a sample of events in a local Flink environment and returns the alerts they raise, for
 * {@code patterns dry-run}.
 *
 * <p>Every pattern runs in event time: the sample's own timestamps are the clock (by the wall clock the
 * replay is over in milliseconds, long before a 15 s window could end). The events are sorted by time first, so a sample out of order
 * loses nothing to the watermark. At the end of a bounded input Flink moves the watermark to +infinity,
 * which closes every open absence window; an alert whose window ends after the sample's last event is left
 * out, because the sample does not show that silence.
 */
public final class DryRun {

    private DryRun() {
    }

    public static List<Alert> run(List<PatternSpec> specs, List<LogEvent> events) throws Exception {
        if (specs.isEmpty() || events.isEmpty()) {
            return List.of();
        }
        List<CompiledPattern> patterns = PatternCompiler.compileAll(specs, true);
        List<LogEvent> sorted = new ArrayList<>(events);
        sorted.sort(Comparator.comparingLong(e -> e.epochMillis)); // stable: equal times keep their order
        long end = sorted.get(sorted.size() - 1).epochMillis;

        StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(1);
        DataStream<LogEvent> stream = env.fromData(sorted, TypeInformation.of(LogEvent.class))
                .assignTimestampsAndWatermarks(WatermarkStrategy.<LogEvent>forMonotonousTimestamps()
                        .withTimestampAssigner((e, previous) -> e.epochMillis));

        List<Alert> alerts = new ArrayList<>();
        try (CloseableIterator<Alert> it = PatternStreams.applyAll(stream, patterns).executeAndCollect("patterns dry-run")) {
            it.forEachRemaining(a -> {
                if (a.epochMillis <= end) {
                    alerts.add(a);
                }
            });
        }
        alerts.sort(Comparator.<Alert>comparingLong(a -> a.epochMillis)
                .thenComparing(a -> a.pattern)
                .thenComparing(a -> a.keyValue)
                .thenComparing(a -> a.alertId));
        return alerts;
    }
}
