package io.dls.job.patterns;

import io.dls.job.normalize.LogEvent;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.source.SourceFunction;
import org.apache.flink.util.CloseableIterator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * DESIGN: absence alerts must fire even when every source has gone quiet. In processing time the CEP
 * operator's timer closes the window by the wall clock, with no further input for the silent key. The
 * shipped heartbeat-timeout pattern, its window shortened to 1 s, in a mini cluster fed by a source that
 * stays open: two nodes register and never beat, one beats once, one keeps beating. Two nodes deregister
 * (issue 11: stopping on purpose is not a failure): one stays away and raises nothing, the other registers
 * again later and is watched again.
 */
class AbsenceProcessingTimeTest {

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void firesWithNoFurtherInput() throws Exception {
        String text = Files.readString(TestEvents.shippedPatterns().resolve("heartbeat-timeout.yaml"))
                .replace("within: 15s", "within: 1s");
        PatternSpec spec = PatternLoader.parse(text, "heartbeat-timeout.yaml");
        assertThat(spec.within().toMillis()).isEqualTo(1000);
        CompiledPattern p = PatternCompiler.compile(spec, false);
        assertThat(p.processingTime()).isTrue();

        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(1);
        var events = env.addSource(new QuietSource(), "quiet source", TypeInformation.of(LogEvent.class));

        List<Alert> alerts = new ArrayList<>();
        long start = System.currentTimeMillis();
        try (CloseableIterator<Alert> it = PatternStreams.apply(events, p).executeAndCollect("absence in processing time")) {
            // node-z and node-e register 3 s in, while node-k is still beating: their alerts come last, after
            // the one node-d would have raised 1 s after its deregistration.
            while (alerts.stream().filter(a -> a.keyValue.equals("node-z") || a.keyValue.equals("node-e")).count() < 2) {
                alerts.add(it.next());
            }
        }
        long elapsed = System.currentTimeMillis() - start;

        assertThat(alerts).extracting(a -> a.keyValue)
                .containsExactlyInAnyOrder("node-r", "node-h", "node-z", "node-e");
        assertThat(alerts).allSatisfy(a -> {
            assertThat(a.pattern).isEqualTo("heartbeat-timeout");
            assertThat(a.topic).isEqualTo("node_failure");
            // Raised by the wall clock, at least one window after the last event of the node.
            assertThat(a.epochMillis - QuietSource.eventTime(a)).isGreaterThanOrEqualTo(1000);
        });
        assertThat(elapsed).isLessThan(45_000);
    }

    /**
     * Sends node-r's registration and node-h's heartbeat once, node-d's and node-e's heartbeat then
     * deregistration, then node-k's heartbeats every 200 ms until cancelled, and node-z's and node-e's
     * registrations once after 3 s.
     */
    @SuppressWarnings("deprecation")
    static final class QuietSource implements SourceFunction<LogEvent> {
        private volatile boolean running = true;

        static long eventTime(Alert a) {
            return java.time.Instant.parse(a.lastEventTime).toEpochMilli();
        }

        private static LogEvent now(LogEvent e) {
            e.epochMillis = System.currentTimeMillis();
            e.timestamp = java.time.Instant.ofEpochMilli(e.epochMillis).toString();
            return e;
        }

        @Override
        public void run(SourceContext<LogEvent> ctx) throws Exception {
            synchronized (ctx.getCheckpointLock()) {
                ctx.collect(now(TestEvents.registration(0, "node-r")));
                ctx.collect(now(TestEvents.heartbeat(0, "node-h", "UP")));
                ctx.collect(now(TestEvents.heartbeat(0, "node-d", "UP")));
                ctx.collect(now(TestEvents.deregistration(0, "node-d")));
                ctx.collect(now(TestEvents.heartbeat(0, "node-e", "UP")));
                ctx.collect(now(TestEvents.deregistration(0, "node-e")));
            }
            for (int i = 0; running; i++) {
                synchronized (ctx.getCheckpointLock()) {
                    ctx.collect(now(TestEvents.heartbeat(0, "node-k", "UP")));
                    if (i == 15) {
                        ctx.collect(now(TestEvents.registration(0, "node-z")));
                        ctx.collect(now(TestEvents.registration(0, "node-e")));
                    }
                }
                Thread.sleep(200);
            }
        }

        @Override
        public void cancel() {
            running = false;
        }
    }
}
