package io.dls.job.patterns;

import io.dls.job.normalize.LogEvent;
import org.apache.flink.api.common.functions.FlatMapFunction;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.util.Collector;

import java.util.List;

/**
 * Wires the compiled patterns into a job: {@link Dispatch} (chained to the events), one key-by on the patterns'
 * key fields, {@link PatternsOperator} (every pattern's CEP and suppression). Two operators and one exchange
 * whatever the number of patterns. Operator uids: {@code patterns-dispatch}, {@code patterns}.
 */
public final class PatternStreams {

    private static final TypeInformation<Alert> ALERT = TypeInformation.of(Alert.class);
    /**
     * How long a partly filled network buffer may wait on the way to an alert (Flink's default is 100 ms per
     * hop, and an alert takes a few hops). Few records take this path, so flushing often costs little.
     */
    public static final long ALERT_PATH_BUFFER_TIMEOUT_MS = 10;
    /** The pattern operator's uid: its state (every pattern's, by name) survives pattern changes. */
    public static final String UID = "patterns";

    private PatternStreams() {
    }

    /** The alerts of every pattern, in one stream. With no patterns, an empty stream. */
    public static DataStream<Alert> applyAll(DataStream<LogEvent> events, List<CompiledPattern> patterns) {
        if (patterns.isEmpty()) {
            return events.flatMap(new NoAlerts(), ALERT).name("no alert patterns").uid("patterns-none");
        }
        return events
                .flatMap(new Dispatch(patterns), DispatchedSerializer.TYPE)
                .name("patterns: dispatch").uid("patterns-dispatch")
                .setBufferTimeout(ALERT_PATH_BUFFER_TIMEOUT_MS)
                .keyBy(new DispatchKey())
                .transform(name(patterns), ALERT,
                        new PatternsOperator(patterns.stream().map(PatternRuntime::of).toList()))
                .uid(UID)
                .setBufferTimeout(ALERT_PATH_BUFFER_TIMEOUT_MS);
    }

    /** One pattern alone (tests). */
    public static DataStream<Alert> apply(DataStream<LogEvent> events, CompiledPattern p) {
        return applyAll(events, List.of(p));
    }

    private static String name(List<CompiledPattern> patterns) {
        if (patterns.size() <= 3) {
            return "patterns: " + String.join(", ", patterns.stream().map(CompiledPattern::name).toList());
        }
        return "patterns: " + patterns.size();
    }

    static final class DispatchKey implements KeySelector<Dispatched, String> {
        @Override
        public String getKey(Dispatched d) {
            return d.key;
        }
    }

    private static final class NoAlerts implements FlatMapFunction<LogEvent, Alert> {
        @Override
        public void flatMap(LogEvent event, Collector<Alert> out) {
        }
    }
}
