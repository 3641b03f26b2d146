package io.dls.job.route;

import io.dls.job.normalize.LogEvent;
import io.dls.job.patterns.Alert;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Fleet-wide silence with the defaults (more than half of a fleet of 3 or more, silent 15 s, stopped within
 * 15 s of each other), on Flink's operator harness: the processing-time clock is the test's, so a minute of
 * heartbeats takes milliseconds.
 */
class FleetSilenceFunctionTest {
    private static final List<String> FLEET = IntStream.rangeClosed(1, 20).mapToObj(i -> "node-" + i).toList();
    private static final List<String> STEADY = List.of("steady-1", "steady-2");

    private KeyedOneInputStreamOperatorTestHarness<String, LogEvent, Alert> h;
    private long now;

    @BeforeEach
    void open() throws Exception {
        h = new KeyedOneInputStreamOperatorTestHarness<>(
                new KeyedProcessOperator<>(new FleetSilenceFunction(Topics.defaults(), FleetSilence.defaults())),
                e -> FleetSilenceFunction.KEY, Types.STRING);
        h.open();
        h.setProcessingTime(now);
    }

    @AfterEach
    void close() throws Exception {
        h.close();
    }

    private static LogEvent event(String host, String type) {
        LogEvent e = new LogEvent();
        e.host = host;
        e.type = type;
        return e;
    }

    /** Moves the clock a second at a time; whoever is in {@code beating} sends a heartbeat every 3 s. */
    private void run(Duration d, List<String> beating) throws Exception {
        long end = now + d.toMillis();
        while (now < end) {
            now += 1000;
            h.setProcessingTime(now);
            if (now % 3000 == 0) {
                for (String n : beating) {
                    h.processElement(event(n, "HEARTBEAT"), now);
                }
            }
        }
    }

    private List<Alert> alerts() {
        return h.extractOutputValues();
    }

    private static List<String> all(List<String> a, List<String> b) {
        return java.util.stream.Stream.concat(a.stream(), b.stream()).toList();
    }

    @Test
    void twentyNodesSilentAtOnceAreOneAlertRepeatedUntilTheyResumeThenOneRecovery() throws Exception {
        run(Duration.ofSeconds(30), all(FLEET, STEADY));
        assertThat(alerts()).isEmpty();

        // The 20 stop together (the receiver went away for them); the 2 steady ones go on.
        long stoppedAt = now;
        run(Duration.ofSeconds(20), STEADY);
        assertThat(alerts()).singleElement().satisfies(a -> {
            assertThat(a.pattern).isEqualTo("pipeline-silent");
            assertThat(a.severity).isEqualTo("critical");
            assertThat(a.topic).isEqualTo("node_failure");
            assertThat(a.keyField).isEqualTo("pipeline");
            assertThat(a.keyValue).isEqualTo("logs.raw");
            assertThat(a.eventCount).isEqualTo(20);
            assertThat(a.message).startsWith("pipeline hears nothing from 20 of 22 nodes since")
                    .contains("node-1, node-10, node-11").contains("node-9").doesNotContain("steady");
            assertThat(a.description).contains("More than 50% of the 22 nodes").contains("silence_inhibitable");
            assertThat(a.resolveAfterMs).isEqualTo(90_000L);
            // Raised one silence window after the last heartbeat, within a check.
            assertThat(a.epochMillis - stoppedAt).isBetween(15_000L, 16_000L);
            assertThat(a.labels).isEmpty();
        });
        String id = alerts().get(0).alertId;

        // While it lasts it is raised again every 30 s (same id), so the notifier keeps it firing.
        run(Duration.ofSeconds(65), STEADY);
        assertThat(alerts()).hasSize(3).allSatisfy(a -> {
            assertThat(a.pattern).isEqualTo("pipeline-silent");
            assertThat(a.alertId).isEqualTo(id);
        });

        // Heartbeats resume: one recovery notice, the notifier's node-recovered rule with the same key.
        run(Duration.ofSeconds(5), all(FLEET, STEADY));
        assertThat(alerts()).hasSize(4);
        assertThat(alerts().get(3)).satisfies(r -> {
            assertThat(r.pattern).isEqualTo("node-recovered");
            assertThat(r.keyField).isEqualTo("pipeline");
            assertThat(r.keyValue).isEqualTo("logs.raw");
            assertThat(r.message).startsWith("pipeline hears from the fleet again: 20 of 20 silent nodes resumed");
        });
        run(Duration.ofMinutes(2), all(FLEET, STEADY));
        assertThat(alerts()).as("nothing more while all beat").hasSize(4);
    }

    @Test
    void aMinorityOrNodesStoppingOneByOneOrLeavingOnPurposeRaiseNothing() throws Exception {
        run(Duration.ofSeconds(30), all(FLEET, STEADY));
        // 10 of 22 stop: a minority, their own heartbeat-timeout alerts say it.
        run(Duration.ofSeconds(30), all(FLEET.subList(10, 20), STEADY));
        assertThat(alerts()).isEmpty();
        // The others stop one by one, 20 s apart: each is its own failure, not the way in.
        for (int i = 10; i < 20; i++) {
            run(Duration.ofSeconds(20), all(FLEET.subList(i + 1, 20), STEADY));
        }
        assertThat(alerts()).isEmpty();
    }

    @Test
    void deregisteredNodesAreNotPartOfTheFleet() throws Exception {
        run(Duration.ofSeconds(30), all(FLEET, STEADY));
        for (String n : FLEET) {
            h.processElement(event(n, "DEREGISTRATION"), now);
        }
        run(Duration.ofMinutes(1), STEADY);
        assertThat(alerts()).isEmpty();
    }

    @Test
    void aSmallFleetIsLeftToThePerNodeAlerts() throws Exception {
        run(Duration.ofSeconds(30), STEADY);
        run(Duration.ofMinutes(1), List.of());
        assertThat(alerts()).isEmpty();
        assertThat(h.numProcessingTimeTimers()).as("a forgotten fleet leaves no timer").isLessThanOrEqualTo(1);
    }
}
