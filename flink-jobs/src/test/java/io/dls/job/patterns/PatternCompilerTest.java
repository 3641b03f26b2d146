package io.dls.job.patterns;

import io.dls.job.normalize.LogEvent;
import org.apache.flink.cep.functions.PatternProcessFunction;
import org.apache.flink.cep.nfa.aftermatch.AfterMatchSkipStrategy;
import org.apache.flink.cep.pattern.Pattern;
import org.apache.flink.cep.pattern.Quantifier;
import org.apache.flink.util.Collector;
import org.apache.flink.util.InstantiationUtil;
import org.apache.flink.util.OutputTag;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static io.dls.job.patterns.TestEvents.heartbeat;
import static io.dls.job.patterns.TestEvents.log;
import static io.dls.job.patterns.TestEvents.registration;
import static org.assertj.core.api.Assertions.assertThat;

class PatternCompilerTest {

    private final Map<String, PatternSpec> shipped = new java.util.HashMap<>();

    PatternCompilerTest() {
        PatternLoader.loadDirectory(TestEvents.shippedPatterns()).forEach(s -> shipped.put(s.name(), s));
    }

    @Test
    void everyShippedPatternCompiles() throws Exception {
        assertThat(shipped).hasSize(5);
        for (PatternSpec spec : shipped.values()) {
            CompiledPattern p = PatternCompiler.compile(spec, false);
            assertThat(p.keyField()).isEqualTo(spec.key());
            assertThat(p.processingTime()).isTrue();
            assertThat(PatternCompiler.compile(spec, true).processingTime()).as("forced event time").isFalse();
            // Flink ships the function and the conditions to the task managers.
            InstantiationUtil.clone(p.function(), getClass().getClassLoader());
            for (Pattern<LogEvent, ?> step = p.pattern(); step != null; step = step.getPrevious()) {
                InstantiationUtil.clone(step.getCondition(), getClass().getClassLoader());
            }
        }
    }

    @Test
    void burstSkipsPastItsLastEvent() {
        Pattern<LogEvent, ?> burst = PatternCompiler.compile(shipped.get("error-burst"), false).pattern();
        assertThat(burst.getAfterMatchSkipStrategy()).isEqualTo(AfterMatchSkipStrategy.skipPastLastEvent());
        assertThat(burst.getTimes().getFrom()).isEqualTo(5);
        assertThat(burst.getWindowSize()).contains(Duration.ofSeconds(30));

        Pattern<LogEvent, ?> sequence = PatternCompiler.compile(shipped.get("payment-retry-then-failure"), false).pattern();
        assertThat(sequence.getAfterMatchSkipStrategy()).isEqualTo(AfterMatchSkipStrategy.noSkip());
        assertThat(sequence.getName()).isEqualTo("failure");
        assertThat(sequence.getQuantifier().getConsumingStrategy()).isEqualTo(Quantifier.ConsumingStrategy.SKIP_TILL_NEXT);
        // A newer WARN that is no failure itself drops the WARN waiting before it (SequenceStartTest).
        Pattern<LogEvent, ?> superseded = sequence.getPrevious();
        assertThat(superseded.getName()).isEqualTo(PatternCompiler.SUPERSEDED);
        assertThat(superseded.getQuantifier().getConsumingStrategy()).isEqualTo(Quantifier.ConsumingStrategy.NOT_FOLLOW);
        assertThat(test(superseded.getCondition(), log(0, "payment", "n", "WARN", "x"))).isTrue();
        assertThat(test(superseded.getCondition(), log(0, "payment", "n", "ERROR", "x"))).isFalse();
        assertThat(superseded.getPrevious().getName()).isEqualTo("warning");
        assertThat(sequence.getWindowSize()).contains(Duration.ofMinutes(1));
    }

    @Test
    void absenceEndsInNotFollowedByWithinTheWindow() {
        Pattern<LogEvent, ?> absence = PatternCompiler.compile(shipped.get("heartbeat-timeout"), false).pattern();
        assertThat(absence.getName()).isEqualTo("expect");
        assertThat(absence.getQuantifier().getConsumingStrategy()).isEqualTo(Quantifier.ConsumingStrategy.NOT_FOLLOW);
        assertThat(absence.getWindowSize()).contains(Duration.ofSeconds(15));
        assertThat(absence.getPrevious().getName()).isEqualTo("after");
        // A later heartbeat or registration closes the window (and opens its own); a log line does not.
        var ends = absence.getCondition();
        var starts = absence.getPrevious().getCondition();
        assertThat(test(starts, heartbeat(0, "n", "UP"))).isTrue();
        assertThat(test(starts, registration(0, "n"))).isTrue();
        assertThat(test(starts, log(0, "s", "n", "INFO", "x"))).isFalse();
        assertThat(test(ends, heartbeat(0, "n", "UP"))).isTrue();
        assertThat(test(ends, registration(0, "n"))).isTrue();
        assertThat(test(ends, log(0, "s", "n", "INFO", "x"))).isFalse();
    }

    @Test
    void prefilterLeavesOutEventsThatCannotMatch() {
        Condition heartbeat = PatternCompiler.compile(shipped.get("heartbeat-timeout"), false).prefilter();
        assertThat(heartbeat.test(heartbeat(0, "n", "UP"))).isTrue();
        assertThat(heartbeat.test(registration(0, "n"))).isTrue();
        assertThat(heartbeat.test(log(0, "s", "n", "ERROR", "x"))).isFalse();

        Condition fatal = PatternCompiler.compile(shipped.get("fatal"), false).prefilter();
        assertThat(fatal.test(log(0, "s", "n", "FATAL", "x"))).isTrue();
        assertThat(fatal.test(log(0, "s", "n", "ERROR", "x"))).isFalse();

        Condition sequence = PatternCompiler.compile(shipped.get("payment-retry-then-failure"), false).prefilter();
        assertThat(sequence.test(log(0, "payment", "n", "WARN", "x"))).isTrue();
        assertThat(sequence.test(log(0, "payment", "n", "ERROR", "x"))).isTrue();
        assertThat(sequence.test(log(0, "payment", "n", "INFO", "x"))).isFalse();
        assertThat(sequence.test(log(0, "cart", "n", "WARN", "x"))).isFalse();

        // Under a strict "next" the events in between matter: no prefilter.
        PatternSpec strict = PatternLoader.parse("""
                name: strict
                key: service.name
                severity: info
                topic: t
                within: 1m
                steps:
                  - where: {field: log.level, equals: WARN}
                  - where: {field: log.level, equals: ERROR}
                    then: next
                """, "strict.yaml");
        assertThat(PatternCompiler.compile(strict, false).prefilter()).isNull();
    }

    private static boolean test(org.apache.flink.cep.pattern.conditions.IterativeCondition<?> c, LogEvent e) {
        try {
            @SuppressWarnings("unchecked")
            var condition = (org.apache.flink.cep.pattern.conditions.IterativeCondition<LogEvent>) c;
            return condition.filter(e, null);
        } catch (Exception ex) {
            throw new AssertionError(ex);
        }
    }

    @Test
    void alertIsFilledAndItsIdIsDeterministic() throws Exception {
        PatternSpec spec = shipped.get("error-burst");
        List<LogEvent> events = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            events.add(log(i, "cart", "node-" + (i % 2), i == 4 ? "FATAL" : "ERROR", "boom " + i));
        }
        AlertFunction f = (AlertFunction) PatternCompiler.compile(spec, true).function();
        List<Alert> out = new ArrayList<>();
        f.processMatch(Map.of("errors", events), context(0), collector(out));
        Alert a = out.get(0);
        assertThat(a.pattern).isEqualTo("error-burst");
        assertThat(a.severity).isEqualTo("critical");
        assertThat(a.topic).isEqualTo("critical_logs");
        assertThat(a.keyField).isEqualTo("service.name");
        assertThat(a.keyValue).isEqualTo("cart");
        assertThat(a.eventCount).isEqualTo(5);
        assertThat(a.eventIds).containsExactlyElementsOf(events.stream().map(e -> e.eventId).toList());
        assertThat(a.firstEventTime).isEqualTo(events.get(0).timestamp);
        assertThat(a.lastEventTime).isEqualTo(events.get(4).timestamp);
        assertThat(a.epochMillis).as("event time: the last matched event").isEqualTo(events.get(4).epochMillis);
        assertThat(a.timestamp).isEqualTo(events.get(4).timestamp);
        assertThat(a.service).isEqualTo("cart");
        assertThat(a.host).as("the events come from two hosts").isNull();
        assertThat(a.message).isEqualTo("5 errors from cart within 30s (" + a.firstEventTime + " to " + a.lastEventTime + ")");
        assertThat(a.alertId).startsWith("error-burst-");

        List<Alert> again = new ArrayList<>();
        f.processMatch(Map.of("errors", events), context(0), collector(again));
        assertThat(again.get(0).alertId).isEqualTo(a.alertId);
        assertThat(AlertFunction.alertId("error-burst", "cart", events.get(1))).isNotEqualTo(a.alertId);

        // Absence: the alert's time is the end of the silence window; its id follows the last event seen.
        PatternSpec hb = shipped.get("heartbeat-timeout");
        LogEvent last = heartbeat(40, "node-9", "UP");
        List<Alert> absence = new ArrayList<>();
        ((AlertFunction) PatternCompiler.compile(hb, true).function())
                .processMatch(Map.of("after", List.of(last)), context(Long.MAX_VALUE), collector(absence));
        assertThat(absence.get(0).epochMillis).isEqualTo(last.epochMillis + 15_000);
        assertThat(absence.get(0).message).isEqualTo("node node-9 silent for 15s since " + last.timestamp);
        assertThat(absence.get(0).alertId).isEqualTo(AlertFunction.alertId("heartbeat-timeout", "node-9", last));
        assertThat(absence.get(0).host).isEqualTo("node-9");
    }

    private static PatternProcessFunction.Context context(long timestamp) {
        return new PatternProcessFunction.Context() {
            @Override
            public <X> void output(OutputTag<X> outputTag, X value) {
            }

            @Override
            public long timestamp() {
                return timestamp;
            }

            @Override
            public long currentProcessingTime() {
                return 0;
            }
        };
    }

    private static Collector<Alert> collector(List<Alert> out) {
        return new Collector<>() {
            @Override
            public void collect(Alert record) {
                out.add(record);
            }

            @Override
            public void close() {
            }
        };
    }
}
