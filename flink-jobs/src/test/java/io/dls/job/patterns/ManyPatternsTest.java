package io.dls.job.patterns;

import io.dls.job.normalize.LogEvent;
import io.dls.job.patterns.PatternSpec.Quantifier;
import io.dls.job.patterns.PatternSpec.Step;
import io.dls.job.patterns.PatternSpec.Then;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.cep.CEP;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.CloseableIterator;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static io.dls.job.patterns.TestEvents.heartbeat;
import static io.dls.job.patterns.TestEvents.log;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * 200 patterns run as one set (the dispatch step and the one pattern operator, as the job runs them, through
 * {@link DryRun}) raise exactly the alerts that Flink's own CEP operator raises for each pattern alone (a filter,
 * a key-by and {@code CEP.pattern} per pattern, suppression applied afterwards), on one sample of 3,000 log
 * events and heartbeats. The set mixes every shape: bursts keyed by service and by host, sequences with and
 * without strict contiguity, a regex step (not indexed), absences; with and without suppression; half of the
 * patterns watch services the sample never has.
 */
class ManyPatternsTest {

    private static final int PATTERNS = 200;
    /** Reference jobs of this many patterns each, so that no single local job gets hundreds of tasks. */
    private static final int REFERENCE_BATCH = 50;

    @Test
    void aSetOf200RaisesTheAlertsOfEachPatternAlone() throws Exception {
        List<PatternSpec> specs = specs();
        List<LogEvent> events = sample();
        long end = events.stream().mapToLong(e -> e.epochMillis).max().orElseThrow();

        List<String> together = render(DryRun.run(specs, events));
        List<String> alone = new ArrayList<>();
        for (int from = 0; from < specs.size(); from += REFERENCE_BATCH) {
            alone.addAll(render(reference(specs.subList(from, Math.min(specs.size(), from + REFERENCE_BATCH)),
                    events, end)));
        }
        alone.sort(Comparator.naturalOrder());

        assertThat(together).as("alerts of the set").hasSizeGreaterThan(50);
        assertThat(together.stream().map(a -> a.split(" ")[0]).distinct().count())
                .as("patterns that alerted").isGreaterThan(40);
        assertThat(together).containsExactlyElementsOf(alone);
    }

    private static List<String> render(List<Alert> alerts) {
        return alerts.stream()
                .map(a -> a.pattern + " " + a.keyValue + " " + a.epochMillis + " " + a.alertId + " " + a.eventIds)
                .sorted().toList();
    }

    /** Each pattern on Flink's CEP operator, as the job ran patterns before the dispatch step. */
    private static List<Alert> reference(List<PatternSpec> specs, List<LogEvent> events, long end) throws Exception {
        List<LogEvent> sorted = new ArrayList<>(events);
        sorted.sort(Comparator.comparingLong(e -> e.epochMillis));
        StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(1);
        DataStream<LogEvent> stream = env.fromData(sorted, TypeInformation.of(LogEvent.class))
                .assignTimestampsAndWatermarks(WatermarkStrategy.<LogEvent>forMonotonousTimestamps()
                        .withTimestampAssigner((e, previous) -> e.epochMillis));
        DataStream<Alert> all = null;
        for (PatternSpec spec : specs) {
            CompiledPattern p = PatternCompiler.compile(spec, true);
            String key = p.keyField();
            Condition prefilter = p.prefilter();
            @SuppressWarnings("unchecked")
            org.apache.flink.cep.pattern.Pattern<LogEvent, LogEvent> pattern =
                    (org.apache.flink.cep.pattern.Pattern<LogEvent, LogEvent>) p.pattern();
            DataStream<Alert> alerts = CEP.pattern(stream
                                    .filter(e -> e.get(key) != null && (prefilter == null || prefilter.test(e)))
                                    .keyBy(e -> String.valueOf(e.get(key))), pattern)
                    .inEventTime()
                    .process(p.function(), TypeInformation.of(Alert.class));
            all = all == null ? alerts : all.union(alerts);
        }
        List<Alert> out = new ArrayList<>();
        try (CloseableIterator<Alert> it = all.executeAndCollect("patterns alone")) {
            it.forEachRemaining(a -> {
                if (a.epochMillis <= end) {
                    out.add(a);
                }
            });
        }
        return suppress(out, specs);
    }

    /** ElastAlert's realert, as the pattern operator does it: per pattern and key, in the alerts' own time. */
    private static List<Alert> suppress(List<Alert> alerts, List<PatternSpec> specs) {
        Map<String, Duration> periods = new HashMap<>();
        specs.forEach(s -> periods.put(s.name(), s.suppress()));
        List<Alert> byTime = new ArrayList<>(alerts);
        byTime.sort(Comparator.comparingLong(a -> a.epochMillis));
        Map<String, Long> quietUntil = new HashMap<>();
        List<Alert> kept = new ArrayList<>();
        for (Alert a : byTime) {
            Duration period = periods.get(a.pattern);
            if (period == null) {
                kept.add(a);
                continue;
            }
            String k = a.pattern + "\n" + a.keyValue;
            Long until = quietUntil.get(k);
            if (until == null || a.epochMillis >= until) {
                kept.add(a);
                quietUntil.put(k, a.epochMillis + period.toMillis());
            }
        }
        return kept;
    }

    private static List<PatternSpec> specs() {
        List<PatternSpec> specs = new ArrayList<>();
        for (int i = 0; i < PATTERNS; i++) {
            // svc-0..svc-19 appear in the sample, svc-20..svc-39 never: half the patterns see no event.
            String svc = "svc-" + (i % 40);
            Condition service = new Condition.Equals("service.name", svc);
            Condition errors = new Condition.In("log.level", List.of("ERROR", "FATAL"));
            Duration suppress = i % 2 == 0 ? Duration.ofMinutes(1) : null;
            String name = "p" + i;
            switch (i % 6) {
                case 0 -> specs.add(spec(name, "service.name", Duration.ofSeconds(20), suppress,
                        List.of(step("e", all(service, errors), new Quantifier(Quantifier.Kind.TIMES, 3 + i % 3), null))));
                case 1 -> specs.add(spec(name, "host.name", Duration.ofSeconds(30), suppress,
                        List.of(step("e", all(service, new Condition.Equals("log.level", "ERROR")),
                                new Quantifier(Quantifier.Kind.AT_LEAST, 3), null))));
                case 2 -> specs.add(spec(name, "service.name", Duration.ofMinutes(1), suppress, List.of(
                        step("w", all(service, new Condition.Equals("log.level", "WARN")), Quantifier.ONCE, null),
                        step("f", all(service, errors), Quantifier.ONCE, Then.FOLLOWED_BY))));
                case 3 -> specs.add(spec(name, "host.name", null, suppress, List.of(
                        step("x", all(new Condition.In("service.name", List.of(svc, "svc-" + (i % 40 + 1))),
                                new Condition.Regex("message", java.util.regex.Pattern.compile("boom|crash"))),
                                Quantifier.ONCE, null))));
                case 4 -> specs.add(spec(name, "service.name", Duration.ofSeconds(10), suppress, List.of(
                        step("a", all(service, new Condition.Equals("log.level", "ERROR")), Quantifier.ONCE, null),
                        step("b", all(service, new Condition.Equals("log.level", "ERROR")), Quantifier.ONCE, Then.NEXT))));
                default -> specs.add(new PatternSpec(name, "absence " + i, "host.name", PatternSpec.Severity.CRITICAL,
                        "node_failure", Duration.ofSeconds(10 + i % 3 * 5), suppress, PatternSpec.TimeMode.EVENT,
                        "{key} silent", List.of(),
                        new PatternSpec.Absence(new Condition.Equals("event.type", "HEARTBEAT"),
                                new Condition.Equals("event.type", "HEARTBEAT")), name + ".yaml"));
            }
        }
        return specs;
    }

    private static Condition all(Condition... c) {
        return new Condition.All(List.of(c));
    }

    private static Step step(String name, Condition where, Quantifier q, Then then) {
        return new Step(name, where, q, then);
    }

    private static PatternSpec spec(String name, String key, Duration within, Duration suppress, List<Step> steps) {
        return new PatternSpec(name, "generated " + name, key, PatternSpec.Severity.WARNING, "critical_logs", within,
                suppress, PatternSpec.TimeMode.EVENT, "{count} from {key}", steps, null, name + ".yaml");
    }

    /** 600 s: log events of 20 services on 10 hosts, and a heartbeat per host every 5 s (node-3 stops at 300 s). */
    private static List<LogEvent> sample() {
        Random random = new Random(12);
        String[] levels = {"INFO", "INFO", "INFO", "WARN", "ERROR", "ERROR", "FATAL"};
        List<LogEvent> events = new ArrayList<>();
        for (int i = 0; i < 3000; i++) {
            double second = i * 0.2;
            String message = random.nextInt(20) == 0 ? "boom at step " + i : "step " + i;
            events.add(log(second, "svc-" + random.nextInt(20), "node-" + random.nextInt(10),
                    levels[random.nextInt(levels.length)], message));
        }
        for (int s = 0; s < 600; s += 5) {
            for (int h = 0; h < 10; h++) {
                if (h != 3 || s < 300) {
                    events.add(heartbeat(s + h * 0.01, "node-" + h, "UP"));
                }
            }
        }
        return events;
    }
}
