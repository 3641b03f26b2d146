package io.dls.job.patterns;

import io.dls.job.normalize.LogEvent;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.CloseableIterator;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static io.dls.job.patterns.TestEvents.T0;
import static io.dls.job.patterns.TestEvents.log;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

/**
 * "A then B within W" keeps one waiting A per key, the newest: what the patterns match is unchanged, and a
 * frequent A no longer piles up partial matches (thousands a minute of WARNs stalled the job for seconds).
 */
class SequenceStartTest {

    private static List<Alert> run(String steps, List<LogEvent> events) throws Exception {
        PatternSpec spec = PatternLoader.parse("""
                name: a-then-b
                key: service.name
                severity: warning
                topic: t
                within: 1m
                steps:
                """ + steps, "a-then-b.yaml");
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(1);
        DataStream<LogEvent> stream = env.fromData(events, TypeInformation.of(LogEvent.class))
                .assignTimestampsAndWatermarks(WatermarkStrategy.<LogEvent>forMonotonousTimestamps()
                        .withTimestampAssigner((e, previous) -> e.epochMillis));
        List<Alert> alerts = new ArrayList<>();
        try (CloseableIterator<Alert> it = PatternStreams.apply(stream, PatternCompiler.compile(spec, true))
                .executeAndCollect("sequence start test")) {
            it.forEachRemaining(alerts::add);
        }
        return alerts;
    }

    private static String at(double second) {
        return Instant.ofEpochMilli(T0 + Math.round(second * 1000)).toString();
    }

    @Test
    void theLastWarnBeforeTheErrorIsTheOneMatched() throws Exception {
        List<LogEvent> events = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            events.add(log(i * 0.25, "pay", "n", "WARN", "retry " + i)); // 200 WARNs in 50 s
        }
        events.add(log(55, "pay", "n", "ERROR", "failed"));
        events.add(log(56, "pay", "n", "INFO", "ok"));
        events.add(log(200, "pay", "n", "ERROR", "an ERROR with no WARN before it"));
        events.add(log(300, "pay", "n", "WARN", "retry"));
        events.add(log(400, "pay", "n", "ERROR", "too late for that WARN"));
        List<Alert> alerts = run("""
                  - name: warning
                    where: {field: log.level, equals: WARN}
                  - name: failure
                    then: followedBy
                    where: {field: log.level, equals: ERROR}
                """, events);
        assertThat(alerts).extracting(a -> a.firstEventTime, a -> a.lastEventTime, a -> a.eventCount)
                .containsExactly(tuple(at(49.75), at(55), 2));
    }

    @Test
    void anEventThatCanBeBothStepsStillCompletesTheWaitingOne() throws Exception {
        // Any WARN or ERROR starts it, an ERROR ends it: the ERROR at 5 ends the wait of the WARN at 0 and
        // starts a wait of its own, which the ERROR at 6 ends.
        List<LogEvent> events = List.of(
                log(0, "pay", "n", "WARN", "w"),
                log(5, "pay", "n", "ERROR", "e1"),
                log(6, "pay", "n", "ERROR", "e2"));
        List<Alert> alerts = run("""
                  - name: first
                    where: {field: log.level, in: [WARN, ERROR]}
                  - name: then
                    then: followedBy
                    where: {field: log.level, equals: ERROR}
                """, events);
        assertThat(alerts).extracting(a -> a.firstEventTime, a -> a.lastEventTime)
                .containsExactlyInAnyOrder(tuple(at(0), at(5)), tuple(at(5), at(6)));
    }
}
