package io.dls.job.patterns;

import io.dls.job.normalize.LogEvent;
import org.apache.flink.cep.functions.PatternProcessFunction;
import org.apache.flink.cep.pattern.Pattern;

import java.time.Duration;

/**
 * A pattern ready to run: the CEP pattern, its time domain, its key and the function that renders alerts.
 * Built by {@link PatternCompiler}, run by {@link PatternStreams}; its state in the pattern operator is named
 * after {@link #name()}, so it survives savepoints while other patterns are added or removed.
 *
 * @param prefilter the events that can take part in a match, found by {@link Dispatch} before the key-by so the
 *                  others are neither shuffled nor buffered by CEP; null when every event of the key matters (a
 *                  {@code next} step needs to see the events in between)
 */
public record CompiledPattern(
        PatternSpec spec,
        Pattern<LogEvent, ?> pattern,
        boolean processingTime,
        String keyField,
        PatternProcessFunction<LogEvent, Alert> function,
        Condition prefilter) {

    public String name() {
        return spec.name();
    }

    /** Null when alerts are not suppressed. */
    public Duration suppress() {
        return spec.suppress();
    }
}
