package io.dls.job.patterns;

import io.dls.job.normalize.LogEvent;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static io.dls.job.patterns.TestEvents.T0;
import static io.dls.job.patterns.TestEvents.heartbeat;
import static io.dls.job.patterns.TestEvents.log;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Harness tests of the operator that runs every pattern: alerts, suppression inside it, and that keys which have
 * gone quiet leave neither state nor timers behind, in event and in processing time.
 */
class PatternsOperatorTest {

    private Map<String, PatternSpec> shipped;

    @BeforeEach
    void load() throws Exception {
        shipped = PatternLoader.loadDirectory(TestEvents.shippedPatterns()).stream()
                .collect(Collectors.toMap(PatternSpec::name, s -> s));
    }

    private static KeyedOneInputStreamOperatorTestHarness<String, Dispatched, Alert> harness(
            List<CompiledPattern> patterns) throws Exception {
        var h = new KeyedOneInputStreamOperatorTestHarness<>(
                new PatternsOperator(patterns.stream().map(PatternRuntime::of).toList()),
                new PatternStreams.DispatchKey(), Types.STRING);
        h.open();
        return h;
    }

    private static StreamRecord<Dispatched> to(int pattern, String keyField, LogEvent e) {
        return new StreamRecord<>(new Dispatched(Dispatched.key(keyField, e.get(keyField)), new int[]{pattern}, e),
                e.epochMillis);
    }

    private static List<Alert> alerts(KeyedOneInputStreamOperatorTestHarness<String, Dispatched, Alert> h) {
        return h.extractOutputValues();
    }

    /** Event time (the shipped file says processing time; dry runs force event time like this). */
    @Test
    void errorBurstAlertsOnceWithinItsSuppressionAndLeavesNothingBehind() throws Exception {
        CompiledPattern burst = PatternCompiler.compile(shipped.get("error-burst"), true);
        try (var h = harness(List.of(burst))) {
            for (int i = 0; i < 5; i++) {
                h.processElement(to(0, "service.name", log(1 + i, "cart", "node-1", "ERROR", "first #" + i)));
            }
            h.processWatermark(T0 + 10_000);
            assertThat(alerts(h)).extracting(a -> a.pattern, a -> a.keyValue, a -> a.eventCount)
                    .containsExactly(org.assertj.core.groups.Tuple.tuple("error-burst", "cart", 5));

            // A second burst 20 s later is inside the 1 m quiet period: counted, not emitted.
            for (int i = 0; i < 5; i++) {
                h.processElement(to(0, "service.name", log(21 + i, "cart", "node-1", "ERROR", "second #" + i)));
            }
            h.processWatermark(T0 + 40_000);
            assertThat(alerts(h)).hasSize(1);

            // Four errors (no burst) and then silence: every window and the quiet period end.
            for (int i = 0; i < 4; i++) {
                h.processElement(to(0, "service.name", log(50 + i, "cart", "node-1", "ERROR", "few #" + i)));
            }
            h.processWatermark(T0 + 300_000);
            assertThat(alerts(h)).hasSize(1);
            assertThat(h.numKeyedStateEntries()).as("keyed state entries left").isZero();
            assertThat(h.numEventTimeTimers()).as("event-time timers left").isZero();
        }
    }

    @Test
    void heartbeatTimeoutInProcessingTimeLeavesNothingBehind() throws Exception {
        CompiledPattern timeout = PatternCompiler.compile(shipped.get("heartbeat-timeout"), false);
        assertThat(timeout.processingTime()).isTrue();
        try (var h = harness(List.of(timeout))) {
            h.setProcessingTime(1_000);
            h.processElement(to(0, "host.name", heartbeat(1, "node-7", "UP")));
            h.setProcessingTime(10_000);
            h.processElement(to(0, "host.name", heartbeat(10, "node-7", "UP")));
            h.setProcessingTime(20_000);
            assertThat(alerts(h)).isEmpty(); // 10 s of silence, the window is 15 s
            h.setProcessingTime(26_000);
            assertThat(alerts(h)).extracting(a -> a.pattern, a -> a.keyValue)
                    .containsExactly(org.assertj.core.groups.Tuple.tuple("heartbeat-timeout", "node-7"));
            assertThat(h.numKeyedStateEntries()).as("keyed state entries left").isZero();
            assertThat(h.numProcessingTimeTimers()).as("processing-time timers left").isZero();
        }
    }

    /**
     * Flink's CEP operator sets a window timer for every partial match; here a key keeps one, at the earliest end,
     * and each window still ends at its own time.
     */
    @Test
    void partialMatchesOfOneKeyShareOneWindowTimer() throws Exception {
        CompiledPattern burst = PatternCompiler.compile(shipped.get("error-burst"), false); // 5 in 30 s
        assertThat(burst.processingTime()).isTrue();
        try (var h = harness(List.of(burst))) {
            for (int i = 0; i < 4; i++) {
                h.setProcessingTime(1_000 + i * 10_000L); // errors at 1, 11, 21 and 31 s
                h.processElement(to(0, "service.name", log(1 + i, "cart", "node-1", "ERROR", "#" + i)));
            }
            // The first window ended at 31 s; three partial matches remain, the oldest from 11 s.
            assertThat(h.numProcessingTimeTimers()).as("window timers for 3 partial matches").isEqualTo(1);
            h.setProcessingTime(40_500);
            h.processElement(to(0, "service.name", log(41, "cart", "node-1", "ERROR", "#4")));
            assertThat(alerts(h)).as("only 4 errors in any 30 s").isEmpty();
            h.setProcessingTime(41_000); // the window from 11 s ends: four partial matches left, from 21 s
            h.processElement(to(0, "service.name", log(42, "cart", "node-1", "ERROR", "#5")));
            assertThat(alerts(h)).as("21, 31, 40.5 and 41 s: still 4 in the window").isEmpty();
            h.setProcessingTime(45_000);
            h.processElement(to(0, "service.name", log(45, "cart", "node-1", "ERROR", "#6")));
            assertThat(alerts(h)).extracting(a -> a.eventCount).containsExactly(5);
            h.setProcessingTime(200_000);
            assertThat(h.numKeyedStateEntries()).as("keyed state entries left").isZero();
            assertThat(h.numProcessingTimeTimers()).as("processing-time timers left").isZero();
        }
    }

    @Test
    void patternsOfOneKeyKeepTheirOwnStateAndTimers() throws Exception {
        CompiledPattern burst = PatternCompiler.compile(shipped.get("error-burst"), true);
        CompiledPattern fatal = PatternCompiler.compile(shipped.get("fatal"), true);
        assertThat(fatal.keyField()).isEqualTo(burst.keyField());
        try (var h = harness(List.of(burst, fatal))) {
            for (int i = 0; i < 5; i++) {
                LogEvent e = log(1 + i, "cart", "node-1", i == 2 ? "FATAL" : "ERROR", "#" + i);
                int[] to = i == 2 ? new int[]{0, 1} : new int[]{0};
                h.processElement(new StreamRecord<>(new Dispatched(Dispatched.key("service.name", "cart"), to, e),
                        e.epochMillis));
            }
            h.processWatermark(T0 + 10_000);
            assertThat(alerts(h)).extracting(a -> a.pattern).containsExactlyInAnyOrder("error-burst", "fatal");
            h.processWatermark(T0 + 600_000);
            assertThat(h.numKeyedStateEntries()).isZero();
            assertThat(h.numEventTimeTimers()).isZero();
        }
    }

    /**
     * The heap state backend keeps a table per keyed state and key group and copies them all at each checkpoint:
     * patterns share the operator's few states (their names as namespaces) instead of adding their own.
     */
    @Test
    void manyPatternsShareTheOperatorsFewKeyedStates() throws Exception {
        PatternSpec burst = shipped.get("error-burst");
        List<CompiledPattern> many = new java.util.ArrayList<>();
        for (int p = 0; p < 40; p++) {
            many.add(PatternCompiler.compile(new PatternSpec("burst-" + p, burst.description(), burst.key(),
                    burst.severity(), burst.topic(), burst.within(), burst.suppress(), burst.time(), burst.message(),
                    burst.steps(), burst.absence(), burst.source()), true));
        }
        int[] all = java.util.stream.IntStream.range(0, many.size()).toArray();
        try (var h = harness(many)) {
            for (int i = 0; i < 5; i++) {
                LogEvent e = log(1 + i, "cart", "node-1", "ERROR", "#" + i);
                h.processElement(new StreamRecord<>(new Dispatched(Dispatched.key("service.name", "cart"), all, e),
                        e.epochMillis));
            }
            h.processWatermark(T0 + 10_000);
            assertThat(alerts(h)).hasSize(many.size());
            h.processElement(to(3, "service.name", log(20, "cart", "node-1", "ERROR", "one more")));
            h.processWatermark(T0 + 25_000);
            assertThat(keys(h, "burst-3", "pattern-nfa")).isEqualTo(1); // a burst of burst-3 in progress
            assertThat(keys(h, "burst-4", "pattern-nfa")).isZero();
            var backend = (org.apache.flink.runtime.state.AbstractKeyedStateBackend<?>) h.getOperator()
                    .getKeyedStateBackend();
            assertThat(PlainCache.installed(((PatternsOperator) h.getOperator()).madeEngine("burst-3").buffer()))
                    .as("Flink CEP's shared buffer caches replaced by plain maps").isTrue();
            assertThat(backend.numKeyValueStatesByName())
                    .as("keyed states of 40 patterns: NFA, queue, shared buffer's three, quiet-until")
                    .isLessThanOrEqualTo(6);
        }
    }

    @Test
    void aPatternRemovedFromTheSetLeavesNoStateAfterRestore() throws Exception {
        CompiledPattern burst = PatternCompiler.compile(shipped.get("error-burst"), true);
        CompiledPattern fatal = PatternCompiler.compile(shipped.get("fatal"), true);
        CompiledPattern sequence = PatternCompiler.compile(shipped.get("payment-retry-then-failure"), true);
        org.apache.flink.runtime.checkpoint.OperatorSubtaskState snapshot;
        try (var h = harness(List.of(burst, sequence))) {
            for (int i = 0; i < 3; i++) { // a burst in progress, and a WARN waiting for its ERROR
                h.processElement(to(0, "service.name", log(1 + i, "cart", "node-1", "ERROR", "#" + i)));
            }
            h.processElement(to(1, "service.name", log(2, "payment", "node-1", "WARN", "retrying")));
            h.processWatermark(T0 + 5_000);
            assertThat(keys(h, "error-burst", "pattern-nfa")).isEqualTo(1);
            assertThat(keys(h, "payment-retry-then-failure", "pattern-nfa")).isEqualTo(1);
            snapshot = h.snapshot(1, T0 + 5_000);
        }
        // The sequence pattern is gone from the set; the burst keeps its partial match.
        var restored = new KeyedOneInputStreamOperatorTestHarness<>(
                new PatternsOperator(List.of(PatternRuntime.of(burst), PatternRuntime.of(fatal))),
                new PatternStreams.DispatchKey(), Types.STRING);
        try (restored) {
            restored.initializeState(snapshot);
            restored.open();
            assertThat(keys(restored, "payment-retry-then-failure", "pattern-nfa")).isZero();
            assertThat(keys(restored, "payment-retry-then-failure", "sharedBuffer-events")).isZero();
            assertThat(keys(restored, "error-burst", "pattern-nfa")).isEqualTo(1);
            for (int i = 3; i < 5; i++) {
                restored.processElement(to(0, "service.name", log(1 + i, "cart", "node-1", "ERROR", "#" + i)));
            }
            restored.processWatermark(T0 + 10_000);
            assertThat(alerts(restored)).extracting(a -> a.pattern, a -> a.eventCount)
                    .containsExactly(org.assertj.core.groups.Tuple.tuple("error-burst", 5));
        }
    }

    /** How many keys have an entry of the pattern in the state (its namespace). */
    private static long keys(KeyedOneInputStreamOperatorTestHarness<String, Dispatched, Alert> h, String pattern,
                             String state) throws Exception {
        org.apache.flink.runtime.state.KeyedStateBackend<Object> backend = h.getOperator().getKeyedStateBackend();
        try (var keys = backend.getKeys(state, pattern)) {
            return keys.count();
        }
    }
}
