package io.dls.job.patterns;

import io.dls.job.normalize.LogEvent;
import org.apache.flink.api.common.functions.FilterFunction;
import org.apache.flink.api.common.functions.FlatMapFunction;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.cep.CEP;
import org.apache.flink.cep.PatternStream;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.KeyedStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.util.Collector;

import java.util.List;

/** Wires compiled patterns into a job: key, CEP, then suppression. */
public final class PatternStreams {

    private static final TypeInformation<Alert> ALERT = TypeInformation.of(Alert.class);
    /**
     * How long a partly filled network buffer may wait on the way to an alert (Flink's default is 100 ms per
     * hop, and an alert takes four hops). Few records take this path, so flushing often costs little.
     */
    public static final long ALERT_PATH_BUFFER_TIMEOUT_MS = 10;

    private PatternStreams() {
    }

    /**
     * The alerts of one pattern. Events without a value for the pattern's key are left out (they cannot
     * belong to any key's sequence), and so are events the pattern can never match (see
     * {@link CompiledPattern#prefilter()}). Operator uids: {@code <uid>-keyed} (the filter), {@code <uid>}
     * (CEP), {@code <uid>-suppress}.
     */
    public static DataStream<Alert> apply(DataStream<LogEvent> events, CompiledPattern p) {
        KeyedStream<LogEvent, String> keyed = events
                .filter(new Relevant(p.keyField(), p.prefilter()))
                .name("pattern " + p.name() + ": filter")
                .uid(p.uid() + "-keyed")
                .setBufferTimeout(ALERT_PATH_BUFFER_TIMEOUT_MS)
                .keyBy(new EventKey(p.keyField()));
        PatternStream<LogEvent> matches = CEP.pattern(keyed, p.pattern());
        matches = p.processingTime() ? matches.inProcessingTime() : matches.inEventTime();
        SingleOutputStreamOperator<Alert> alerts = matches.process(p.function(), ALERT)
                .name("pattern " + p.name())
                .uid(p.uid())
                .setBufferTimeout(ALERT_PATH_BUFFER_TIMEOUT_MS);
        if (p.suppress() == null) {
            return alerts;
        }
        return alerts
                .keyBy(new AlertKey())
                .process(new SuppressFunction(p.suppress().toMillis(), p.processingTime()), ALERT)
                .name("pattern " + p.name() + ": suppress " + AlertFunction.format(p.suppress()))
                .uid(p.uid() + "-suppress")
                .setBufferTimeout(ALERT_PATH_BUFFER_TIMEOUT_MS);
    }

    /** The alerts of every pattern, in one stream. With no patterns, an empty stream. */
    public static DataStream<Alert> applyAll(DataStream<LogEvent> events, List<CompiledPattern> patterns) {
        if (patterns.isEmpty()) {
            return events.flatMap(new NoAlerts(), ALERT).name("no alert patterns").uid("patterns-none");
        }
        DataStream<Alert> all = apply(events, patterns.get(0));
        for (CompiledPattern p : patterns.subList(1, patterns.size())) {
            all = all.union(apply(events, p));
        }
        return all;
    }

    /** The key value as text; {@link Relevant} has already left out events without one. */
    static final class EventKey implements KeySelector<LogEvent, String> {
        private final String field;

        EventKey(String field) {
            this.field = field;
        }

        @Override
        public String getKey(LogEvent event) {
            return String.valueOf(event.get(field));
        }
    }

    /** Has a key value, and (when the pattern has a prefilter) could take part in a match. */
    static final class Relevant implements FilterFunction<LogEvent> {
        private final String field;
        private final Condition prefilter;

        Relevant(String field, Condition prefilter) {
            this.field = field;
            this.prefilter = prefilter;
        }

        @Override
        public boolean filter(LogEvent event) {
            return event.get(field) != null && (prefilter == null || prefilter.test(event));
        }
    }

    /** Suppression is per pattern (each has its own operator) and per key value. */
    static final class AlertKey implements KeySelector<Alert, String> {
        @Override
        public String getKey(Alert alert) {
            return alert.keyValue;
        }
    }

    private static final class NoAlerts implements FlatMapFunction<LogEvent, Alert> {
        @Override
        public void flatMap(LogEvent event, Collector<Alert> out) {
        }
    }
}
