package io.dls.launcher.alerts;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** What {@code ./dls alerts} prints, from Alertmanager's answer and from the alerts topic alone. */
class ActiveAlertsLinesTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Instant T = Instant.parse("2026-12-01T10:00:00Z");

    private static JsonNode json(String s) throws Exception {
        return JSON.readTree(s.replace('\'', '"'));
    }

    private static List<String> lines(List<ActiveAlert> alerts) {
        List<ActiveAlert> sorted = new ArrayList<>(alerts);
        sorted.sort(ActiveAlert.MOST_SEVERE_FIRST);
        return sorted.stream().map(ActiveAlert::line).toList();
    }

    @Test
    void alertmanagerAnswerMostSevereFirstOneLineEach() throws Exception {
        JsonNode answer = json("""
                [{'labels': {'alertname': 'slow', 'severity': 'warning', 'service': 'order'}, 'startsAt': '2026-12-01T09:00:00Z',
                  'annotations': {'summary': 'slow'}, 'status': {'state': 'active'}},
                 {'labels': {'alertname': 'heartbeat-timeout', 'severity': 'critical', 'host': 'n1', 'silence_inhibitable': 'true'},
                  'startsAt': '2026-12-01T09:30:00Z', 'annotations': {'summary': 'node n1 silent'}, 'status': {'state': 'suppressed'}},
                 {'labels': {'alertname': 'error-burst', 'severity': 'critical', 'service': 'payment', 'team': 'pay'},
                  'startsAt': '2026-12-01T09:10:00Z', 'annotations': {'summary': '5 errors\\nfrom payment'}, 'status': {'state': 'active'}}]
                """);
        assertThat(lines(AlertmanagerAlerts.parse(answer))).containsExactly(
                "CRITICAL  error-burst  service=payment  team=pay  since 2026-12-01T09:10:00Z  5 errors from payment",
                "CRITICAL  heartbeat-timeout  host=n1  since 2026-12-01T09:30:00Z  node n1 silent  [suppressed]",
                "WARNING   slow  service=order  since 2026-12-01T09:00:00Z  slow");
    }

    private static String alert(String rule, String severity, String field, String value, Instant at, String extra) {
        return ("{'@timestamp': '" + at + "', 'message': '" + rule + " " + value + "', 'event': {'kind': 'alert', 'severity': '"
                + severity + "'}, 'rule': {'name': '" + rule + "'}, 'alert': {'key': {'field': '" + field + "', 'value': '"
                + value + "'}" + extra + "}}");
    }

    @Test
    void fromTheTopicTimersAndRecoveryNoticesEndAlerts() throws Exception {
        TopicAlerts fold = new TopicAlerts();
        fold.add(json(alert("error-burst", "critical", "service.name", "payment", T, ", 'resolve_after_ms': 60000")), T);
        fold.add(json(alert("error-burst", "critical", "service.name", "order", T.minusSeconds(600), "")), T);
        fold.add(json(alert("heartbeat-timeout", "critical", "host.name", "n1", T.minusSeconds(3600), "")), T);
        fold.add(json(alert("heartbeat-timeout", "critical", "host.name", "n2", T.minusSeconds(3600), "")), T);
        fold.add(json(alert("node-recovered", "info", "host.name", "n2", T.minusSeconds(60), "")), T);
        fold.add(json(alert("pipeline-silent", "critical", "pipeline", "logs.raw", T.minusSeconds(10), "")), T);
        assertThat(lines(fold.active(T.plusSeconds(30)))).containsExactly(
                "CRITICAL  heartbeat-timeout  host=n1  since 2026-12-01T09:00:00Z  heartbeat-timeout n1",
                "CRITICAL  pipeline-silent  pipeline=logs.raw  since 2026-12-01T09:59:50Z  pipeline-silent logs.raw",
                "CRITICAL  error-burst  service=payment  since 2026-12-01T10:00:00Z  error-burst payment");
        assertThat(fold.active(T.plusSeconds(61))).extracting(ActiveAlert::name).doesNotContain("error-burst");
    }
}
