package io.dls.job.patterns;

import io.dls.job.normalize.LogEvent;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The alert JSON fields the notifier reads (notifier/README.md): labels, description, runbook, resolve time. */
class AlertDocumentTest {

    @SuppressWarnings("unchecked")
    private static Map<String, Object> alertOf(PatternSpec spec, List<LogEvent> events) {
        Alert a = new AlertFunction(spec, false).toAlert(events, TestEvents.T0 + 60_000);
        return (Map<String, Object>) a.toDocument().get("alert");
    }

    @Test
    void burstCarriesItsLabelsDescriptionRunbookAndSuppressionAsResolveTime() {
        PatternSpec spec = PatternLoader.parse("""
                name: burst
                description: too many errors
                runbook_url: https://runbooks.example.com/burst
                labels: {team: payments, tier: "1"}
                key: service.name
                severity: critical
                topic: critical_logs
                within: 30s
                suppress: 1m
                steps: [{where: {field: log.level, equals: ERROR}, times: 2}]
                """, "burst.yaml");
        Map<String, Object> alert = alertOf(spec, List.of(
                TestEvents.log(1, "pay", "h1", "ERROR", "a"), TestEvents.log(2, "pay", "h1", "ERROR", "b")));
        assertThat(alert).containsEntry("labels", Map.of("team", "payments", "tier", "1"))
                .containsEntry("description", "too many errors")
                .containsEntry("runbook_url", "https://runbooks.example.com/burst")
                .containsEntry("resolve_after_ms", 60_000L);
    }

    @Test
    void withoutSuppressionTheWindowAndWithoutEitherNothing() {
        String head = "name: p\nkey: service.name\nseverity: warning\ntopic: critical_logs\n";
        PatternSpec windowed = PatternLoader.parse(head
                + "within: 30s\nsteps: [{where: {field: log.level, equals: ERROR}, times: 2}]\n", "p.yaml");
        LogEvent e1 = TestEvents.log(1, "pay", "h1", "ERROR", "a");
        LogEvent e2 = TestEvents.log(2, "pay", "h1", "ERROR", "b");
        assertThat(alertOf(windowed, List.of(e1, e2))).containsEntry("resolve_after_ms", 30_000L)
                .doesNotContainKeys("labels", "description", "runbook_url");
        PatternSpec single = PatternLoader.parse(head + "steps: [{where: {field: log.level, equals: FATAL}}]\n", "p.yaml");
        assertThat(alertOf(single, List.of(e1))).doesNotContainKey("resolve_after_ms");
    }

    @Test
    void heartbeatTimeoutIsInhibitableAndResolvesOnRecoveryNotATimer() {
        PatternSpec spec = PatternLoader.load(TestEvents.shippedPatterns().resolve("heartbeat-timeout.yaml"));
        Map<String, Object> alert = alertOf(spec, List.of(TestEvents.heartbeat(1, "node-1", "UP")));
        assertThat(alert).containsEntry("labels", Map.of("silence_inhibitable", "true"))
                .doesNotContainKey("resolve_after_ms");
        assertThat(alert.get("description").toString()).contains("no heartbeat");
    }
}
