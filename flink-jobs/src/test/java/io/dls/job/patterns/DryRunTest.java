package io.dls.job.patterns;

import io.dls.job.normalize.LogEvent;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import static io.dls.job.patterns.TestEvents.T0;
import static io.dls.job.patterns.TestEvents.heartbeat;
import static io.dls.job.patterns.TestEvents.log;
import static io.dls.job.patterns.TestEvents.registration;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

class DryRunTest {

    @Test
    void runsProcessingTimePatternsInEventTimeOverAShuffledSample() throws Exception {
        List<PatternSpec> specs = PatternLoader.loadDirectory(TestEvents.shippedPatterns());
        assertThat(specs).filteredOn(s -> s.name().equals("heartbeat-timeout"))
                .singleElement().extracting(PatternSpec::time).isEqualTo(PatternSpec.TimeMode.PROCESSING);

        List<LogEvent> events = new ArrayList<>();
        for (int s = 0; s <= 60; s += 5) {
            events.add(heartbeat(s, "node-a", "UP"));       // beats to the end of the sample
        }
        events.add(heartbeat(3, "node-b", "UP"));          // then silent: alert at 18 s
        events.add(registration(50, "node-c"));            // window ends after the sample: left out
        events.add(registration(20, "node-e"));            // registers twice: the silence counts from the
        events.add(registration(24, "node-e"));            // second registration, one alert at 39 s
        for (int i = 0; i < 6; i++) {
            events.add(log(10 + i, "cart", "node-a", "ERROR", "cart #" + i));
        }
        events.add(log(30, "cart", "node-a", "FATAL", "cart fatal"));
        Collections.shuffle(events, new java.util.Random(7)); // a sample need not be in order

        List<Alert> alerts = DryRun.run(specs, events);
        assertThat(alerts).extracting(a -> a.pattern, a -> a.keyValue, a -> a.epochMillis).containsExactly(
                tuple("error-burst", "cart", T0 + 14_000),
                tuple("heartbeat-timeout", "node-b", T0 + 18_000),
                tuple("fatal", "cart", T0 + 30_000),
                tuple("heartbeat-timeout", "node-e", T0 + 39_000));

        assertThat(DryRun.run(specs, events)).as("a replay raises the same alerts")
                .extracting(a -> a.alertId).containsExactlyElementsOf(alerts.stream().map(a -> a.alertId).toList());
    }

    @Test
    void aBurstIsOneAlertEvenWithoutSuppression() throws Exception {
        String text = java.nio.file.Files.readString(TestEvents.shippedPatterns().resolve("error-burst.yaml"))
                .replace("suppress: 1m\n", "");
        PatternSpec burst = PatternLoader.parse(text, "error-burst.yaml");
        assertThat(burst.suppress()).isNull();
        List<LogEvent> events = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            events.add(log(i, "cart", "node-a", "ERROR", "cart #" + i)); // 12 errors in 12 s
        }
        // Sliding windows would give 8 matches; skipping past each match's last event gives 2 bursts of 5.
        assertThat(DryRun.run(List.of(burst), events)).extracting(a -> a.epochMillis, a -> a.eventCount)
                .containsExactly(tuple(T0 + 4_000, 5), tuple(T0 + 9_000, 5));
    }

    @Test
    void nothingToRun() throws Exception {
        assertThat(DryRun.run(List.of(), List.of(log(0, "a", "b", "ERROR", "x")))).isEmpty();
        assertThat(DryRun.run(PatternLoader.loadDirectory(TestEvents.shippedPatterns()), List.of())).isEmpty();
    }
}
