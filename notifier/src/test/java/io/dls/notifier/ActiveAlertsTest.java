package io.dls.notifier;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** The registry's rules with explicit times (no servers). */
class ActiveAlertsTest {
    private static final Instant T0 = Instant.parse("2026-12-01T12:00:00Z");
    private final AlertMapper mapper = new AlertMapper(new KibanaLinks("http://kibana:5601", "dls-logs"));
    private final ActiveAlerts active = new ActiveAlerts(new ActiveAlerts.Settings(Duration.ofMinutes(1),
            Duration.ofMinutes(5), "node-recovered", Set.of("heartbeat-timeout", "node-down"),
            Duration.ofHours(24), Duration.ofHours(1)), mapper);

    private static PipelineAlert alert(String rule, String field, String value, Instant at, Optional<Duration> resolveAfter) {
        return new PipelineAlert(rule, "critical", field, value, rule + " " + value, "id", at, at.minusSeconds(10), at,
                3, List.of("e1", "e2", "e3"), Map.of(), Optional.empty(), Optional.empty(), resolveAfter);
    }

    private static PipelineAlert burst(String service, Instant at) {
        return alert("error-burst", "service.name", service, at, Optional.empty());
    }

    private static PipelineAlert hb(String host, Instant at) {
        return alert("heartbeat-timeout", "host.name", host, at, Optional.empty());
    }

    private static PipelineAlert recovered(String host, Instant at) {
        return alert("node-recovered", "host.name", host, at, Optional.empty());
    }

    private void deliver(List<AlertmanagerAlert> sent, Instant now) {
        active.delivered(sent, Set.of(), now);
    }

    @Test
    void newAlertIsDueAtOnceThenEveryResendInterval() {
        active.apply(burst("a", T0), T0);
        List<AlertmanagerAlert> due = active.due(T0);
        assertThat(due).hasSize(1);
        assertThat(due.get(0).startsAt()).isEqualTo(T0.minusSeconds(10));
        assertThat(due.get(0).endsAt()).as("4 resend intervals ahead, before the 5 min resolve time")
                .isEqualTo(T0.plus(Duration.ofMinutes(4)));
        deliver(due, T0);
        assertThat(active.due(T0.plusSeconds(59))).isEmpty();
        assertThat(active.due(T0.plusSeconds(60))).hasSize(1);
    }

    @Test
    void timerResolvedAlertEndsAfterItsResolveTimeAndANewOneExtendsIt() {
        active.apply(burst("a", T0), T0);
        deliver(active.due(T0), T0);
        active.apply(burst("a", T0.plusSeconds(120)), T0.plusSeconds(120));
        List<AlertmanagerAlert> again = active.due(T0.plusSeconds(120));
        assertThat(again).hasSize(1);
        assertThat(again.get(0).startsAt()).as("the first alert's start is kept").isEqualTo(T0.minusSeconds(10));
        deliver(again, T0.plusSeconds(120));
        assertThat(active.firingCount()).isEqualTo(1);
        Instant end = T0.plusSeconds(120).plus(Duration.ofMinutes(5));
        List<AlertmanagerAlert> resolution = active.due(end);
        assertThat(resolution).hasSize(1);
        assertThat(resolution.get(0).endsAt()).isEqualTo(end);
        deliver(resolution, end);
        assertThat(active.due(end.plusSeconds(600))).isEmpty();
        assertThat(active.nextDue()).isNull();
    }

    @Test
    void resolveAfterFromTheAlertWins() {
        active.apply(alert("fatal", "service.name", "b", T0, Optional.of(Duration.ofSeconds(30))), T0);
        deliver(active.due(T0), T0);
        assertThat(active.nextDue()).isEqualTo(T0.plusSeconds(30));
        assertThat(active.due(T0.plusSeconds(30)).get(0).endsAt()).isEqualTo(T0.plusSeconds(30));
    }

    @Test
    void recoveryNoticeEndsTheNodesAlertsOnly() {
        active.apply(hb("n1", T0), T0);
        active.apply(alert("node-down", "host.name", "n1", T0, Optional.empty()), T0);
        active.apply(hb("n2", T0), T0);
        deliver(active.due(T0), T0);
        active.apply(recovered("n1", T0.plusSeconds(30)), T0.plusSeconds(30));
        List<AlertmanagerAlert> due = active.due(T0.plusSeconds(30));
        assertThat(due).hasSize(2).allSatisfy(a -> {
            assertThat(a.labels()).containsEntry("host", "n1");
            assertThat(a.endsAt()).isEqualTo(T0.plusSeconds(30));
        });
        deliver(due, T0.plusSeconds(30));
        assertThat(active.firing()).containsExactly(mapper.labels(hb("n2", T0)));
    }

    @Test
    void heartbeatAlertsDoNotEndOnATimerButAfterTheMaxAge() {
        active.apply(hb("n1", T0), T0);
        deliver(active.due(T0), T0);
        assertThat(active.due(T0.plus(Duration.ofHours(23)))).singleElement()
                .satisfies(a -> assertThat(a.endsAt()).isAfter(T0.plus(Duration.ofHours(23))));
        assertThat(active.due(T0.plus(Duration.ofHours(24)))).singleElement()
                .satisfies(a -> assertThat(a.endsAt()).isEqualTo(T0.plus(Duration.ofHours(24))));
    }

    @Test
    void aRecoveryReadBeforeItsAlertStillEndsIt() {
        active.apply(recovered("n1", T0.plusSeconds(5)), T0.plusSeconds(6));
        active.apply(hb("n1", T0), T0.plusSeconds(6));
        assertThat(active.due(T0.plusSeconds(6))).singleElement()
                .satisfies(a -> assertThat(a.endsAt()).isEqualTo(T0.plusSeconds(5)));
        // A node that fails again after its recovery alerts again.
        active.apply(hb("n1", T0.plusSeconds(60)), T0.plusSeconds(60));
        assertThat(active.firingCount()).isEqualTo(1);
    }

    @Test
    void aCopyOfAnEndedAlertDoesNotReviveIt() {
        active.apply(hb("n1", T0), T0);
        active.apply(recovered("n1", T0.plusSeconds(5)), T0.plusSeconds(5));
        deliver(active.due(T0.plusSeconds(5)), T0.plusSeconds(5));
        active.apply(hb("n1", T0), T0.plusSeconds(6)); // at-least-once replay of the same record
        assertThat(active.due(T0.plusSeconds(6))).singleElement()
                .satisfies(a -> assertThat(a.endsAt()).isEqualTo(T0.plusSeconds(5)));
        assertThat(active.firingCount()).isZero();
    }

    @Test
    void replayKeepsOnlyWhatStillFiresAndPostsItAtOnce() {
        Instant now = T0.plus(Duration.ofMinutes(30));
        active.apply(burst("old", T0), now);                      // ended 25 min ago
        active.apply(burst("recent", now.minusSeconds(60)), now); // fires until now + 4 min
        active.apply(hb("n1", T0), now);                          // fires until recovered
        active.apply(hb("n2", T0), now);
        active.apply(recovered("n2", T0.plusSeconds(20)), now);
        active.afterReplay(now);
        assertThat(active.firing()).containsExactlyInAnyOrder(
                mapper.labels(burst("recent", T0)), mapper.labels(hb("n1", T0)));
        assertThat(active.due(now)).hasSize(2);
    }

    @Test
    void aRefusedAlertIsDropped() {
        active.apply(burst("a", T0), T0);
        List<AlertmanagerAlert> due = active.due(T0);
        active.delivered(due, Set.of(due.get(0).labels()), T0);
        assertThat(active.firingCount()).isZero();
        assertThat(active.due(T0.plusSeconds(120))).isEmpty();
    }
}
