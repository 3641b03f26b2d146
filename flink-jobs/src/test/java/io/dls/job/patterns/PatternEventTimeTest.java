package io.dls.job.patterns;

import io.dls.job.normalize.LogEvent;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.CloseableIterator;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

import static io.dls.job.patterns.TestEvents.T0;
import static io.dls.job.patterns.TestEvents.heartbeat;
import static io.dls.job.patterns.TestEvents.log;
import static io.dls.job.patterns.TestEvents.registration;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

/**
 * The shipped patterns, compiled in event time, over one bounded list of events in a local Flink mini
 * cluster (parallelism 2, so keys really are spread over subtasks). One job; each test looks at one pattern.
 *
 * <p>At the end of a bounded input the watermark jumps to +infinity and closes every open absence window,
 * the healthy nodes' too. Those alerts carry the end of their window as their time, which lies after the
 * last event, so the absence assertions look only at alerts whose window ended inside the data.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PatternEventTimeTest {

    /** Seconds after T0 of the last event. */
    private static final int END = 200;

    private List<Alert> alerts;

    @BeforeAll
    void runOnce() throws Exception {
        List<LogEvent> events = new ArrayList<>();
        // error-burst: cart has two bursts 100 s apart; search one burst of 10 within 10 s (two CEP matches,
        // the second inside the 1 m suppression); auth only 4 errors; 5 errors without a service are not keyed.
        for (int i = 0; i < 5; i++) {
            events.add(log(1 + i, "cart", "node-1", "ERROR", "cart burst 1 #" + i));
            events.add(log(101 + i, "cart", "node-1", i % 2 == 0 ? "ERROR" : "FATAL", "cart burst 2 #" + i));
            events.add(log(2 + i * 5, "auth", "node-1", "ERROR", "auth #" + i));
            events.add(log(3 + i, null, "node-1", "ERROR", "no service #" + i));
        }
        events.remove(events.stream().filter(e -> "auth #4".equals(e.message)).findFirst().orElseThrow());
        for (int i = 0; i < 10; i++) {
            events.add(log(20 + i, "search", "node-2", "ERROR", "search #" + i));
            events.add(log(20.5 + i, "search", "node-2", "INFO", "search ok #" + i));
        }
        // fatal: two FATALs from billing (and cart's two FATALs in its second burst).
        events.add(log(50, "billing", "node-2", "FATAL", "billing fatal 1"));
        events.add(log(150, "billing", "node-2", "FATAL", "billing fatal 2"));
        // payment-retry-then-failure: WARN then ERROR 10 s later; a lone WARN; a WARN whose ERROR comes too late.
        events.add(log(10, "payment", "node-3", "WARN", "retrying"));
        events.add(log(20, "payment", "node-3", "ERROR", "failed"));
        events.add(log(120, "payment", "node-3", "WARN", "retrying again"));
        events.add(log(190, "payment", "node-3", "ERROR", "failed much later"));
        events.add(log(60, "shipping", "node-3", "WARN", "a WARN of another service"));
        events.add(log(61, "shipping", "node-3", "ERROR", "an ERROR of another service"));
        // heartbeat-timeout and node-down: node-a beats to the end; node-b stops after 50 s; node-c registers
        // at 30 s and never beats; node-d beats to the end and says DOWN once at 60 s.
        for (int s = 0; s <= END; s += 5) {
            events.add(heartbeat(s, "node-a", "UP"));
            events.add(heartbeat(s + 1, "node-d", s == 60 ? "DOWN" : "UP"));
            if (s <= 50) {
                events.add(heartbeat(s + 2, "node-b", "UP"));
            }
        }
        events.add(registration(30, "node-c"));
        events.sort(Comparator.comparingLong(e -> e.epochMillis));
        assertThat(events.get(events.size() - 1).epochMillis).isLessThanOrEqualTo(T0 + (END + 1) * 1000L);

        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(2);
        DataStream<LogEvent> stream = env.fromData(events, TypeInformation.of(LogEvent.class))
                .assignTimestampsAndWatermarks(WatermarkStrategy.<LogEvent>forMonotonousTimestamps()
                        .withTimestampAssigner((e, previous) -> e.epochMillis))
                .setParallelism(1); // one ordered stream: monotonous timestamps hold
        List<CompiledPattern> patterns =
                PatternCompiler.compileAll(PatternLoader.loadDirectory(TestEvents.shippedPatterns()), true);
        alerts = new ArrayList<>();
        try (CloseableIterator<Alert> it = PatternStreams.applyAll(stream, patterns).executeAndCollect("pattern test")) {
            it.forEachRemaining(alerts::add);
        }
    }

    private List<Alert> of(String pattern) {
        return alerts.stream().filter(a -> a.pattern.equals(pattern))
                .sorted(Comparator.comparingLong((Alert a) -> a.epochMillis).thenComparing(a -> a.keyValue))
                .toList();
    }

    private static long at(double second) {
        return T0 + Math.round(second * 1000);
    }

    @Test
    void errorBurstGivesOneAlertPerBurstPerService() {
        List<Alert> burst = of("error-burst");
        assertThat(burst).extracting(a -> a.keyValue, a -> a.epochMillis, a -> a.eventCount).containsExactly(
                tuple("cart", at(5), 5),
                tuple("search", at(24), 5),
                tuple("cart", at(105), 5));
        Alert first = burst.get(0);
        assertThat(first.severity).isEqualTo("critical");
        assertThat(first.topic).isEqualTo("critical_logs");
        assertThat(first.keyField).isEqualTo("service.name");
        assertThat(first.message).startsWith("5 errors from cart within 30s");
        assertThat(first.eventIds).hasSize(5);
        assertThat(burst).extracting(a -> a.alertId).doesNotHaveDuplicates();
    }

    @Test
    void fatalFiresForEveryFatal() {
        assertThat(of("fatal")).extracting(a -> a.keyValue, a -> a.epochMillis).containsExactly(
                tuple("billing", at(50)),
                tuple("cart", at(102)),
                tuple("cart", at(104)),
                tuple("billing", at(150)));
        assertThat(of("fatal").get(0).message).isEqualTo("FATAL from billing on node-2 at " + of("fatal").get(0).firstEventTime);
    }

    @Test
    void sequenceFiresForWarnThenErrorWithinTheWindow() {
        assertThat(of("payment-retry-then-failure")).singleElement().satisfies(a -> {
            assertThat(a.keyValue).isEqualTo("payment");
            assertThat(a.eventCount).isEqualTo(2);
            assertThat(a.firstEventTime).isEqualTo(java.time.Instant.ofEpochMilli(at(10)).toString());
            assertThat(a.lastEventTime).isEqualTo(java.time.Instant.ofEpochMilli(at(20)).toString());
            assertThat(a.severity).isEqualTo("warning");
        });
    }

    @Test
    void heartbeatTimeoutFiresForSilentAndNeverBeatingNodes() {
        List<Alert> timeouts = of("heartbeat-timeout");
        List<Alert> insideData = timeouts.stream().filter(a -> a.epochMillis <= at(END)).toList();
        assertThat(insideData).extracting(a -> a.keyValue, a -> a.epochMillis).containsExactly(
                tuple("node-c", at(45)),   // registered at 30 s, never beat
                tuple("node-b", at(67)));  // last beat at 52 s
        assertThat(insideData).allSatisfy(a -> {
            assertThat(a.topic).isEqualTo("node_failure");
            assertThat(a.eventCount).isEqualTo(1);
        });
        // The nodes that beat to the end only "time out" when the end of input closes their last window.
        assertThat(timeouts).filteredOn(a -> a.keyValue.equals("node-a") || a.keyValue.equals("node-d"))
                .allSatisfy(a -> assertThat(a.epochMillis).isGreaterThan(at(END)));
    }

    @Test
    void nodeDownFiresOnce() {
        assertThat(of("node-down")).singleElement().satisfies(a -> {
            assertThat(a.keyValue).isEqualTo("node-d");
            assertThat(a.keyField).isEqualTo("host.name");
            assertThat(a.epochMillis).isEqualTo(at(61));
            assertThat(a.topic).isEqualTo("node_failure");
        });
    }
}
