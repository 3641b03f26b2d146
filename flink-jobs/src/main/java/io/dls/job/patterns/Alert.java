package io.dls.job.patterns;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An alert raised by a pattern (or a node-health notice). A Flink POJO. Its JSON form uses ECS names:
 * {@code event.kind: alert}, {@code rule.name}, {@code event.severity}, ...
 */
public class Alert {
    /** The pattern's name (rule.name). */
    public String pattern;
    /** info, warning, critical (and what the pattern says). */
    public String severity;
    /** Output topic the pattern targets (critical_logs, node_failure, ...). */
    public String topic;
    /** The field path the pattern is keyed by, and this alert's value of it. */
    public String keyField;
    public String keyValue;
    public String message;
    /** When the alert was raised (ISO-8601 UTC) and the first/last matched event times. */
    public String timestamp;
    public long epochMillis;
    public String firstEventTime;
    public String lastEventTime;
    public int eventCount;
    public List<String> eventIds = new ArrayList<>();
    /** Deterministic: pattern + key + first event id, so a replay maps to the same document. */
    public String alertId;
    /** service.name / host.name of the matched events, when they share one. */
    public String service;
    public String host;
    /** The pattern's {@code labels:} (for Alertmanager); empty when it has none. */
    public Map<String, String> labels = new LinkedHashMap<>();
    /** The pattern's {@code description:} and {@code runbook_url:}; null when it has none. */
    public String description;
    public String runbookUrl;
    /**
     * How long after this alert its condition counts as over when no new alert of the pattern and key comes
     * (the notifier resolves it then); null when it ends otherwise (absence: the node-recovered notice).
     */
    public Long resolveAfterMs;

    public Alert() {
    }

    public Map<String, Object> toDocument() {
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("@timestamp", timestamp);
        doc.put("message", message);
        Map<String, Object> event = new LinkedHashMap<>();
        event.put("id", alertId);
        event.put("kind", "alert");
        event.put("severity", severity);
        event.put("dataset", "alerts");
        if (firstEventTime != null) {
            event.put("start", firstEventTime);
        }
        if (lastEventTime != null) {
            event.put("end", lastEventTime);
        }
        doc.put("event", event);
        doc.put("rule", Map.of("name", pattern));
        Map<String, Object> alert = new LinkedHashMap<>();
        alert.put("key", Map.of("field", keyField == null ? "" : keyField, "value", keyValue == null ? "" : keyValue));
        alert.put("count", eventCount);
        alert.put("event_ids", eventIds);
        alert.put("topic", topic);
        if (labels != null && !labels.isEmpty()) {
            alert.put("labels", new LinkedHashMap<>(labels));
        }
        if (description != null) {
            alert.put("description", description);
        }
        if (runbookUrl != null) {
            alert.put("runbook_url", runbookUrl);
        }
        if (resolveAfterMs != null) {
            alert.put("resolve_after_ms", resolveAfterMs);
        }
        doc.put("alert", alert);
        if (service != null) {
            doc.put("service", Map.of("name", service));
        }
        if (host != null) {
            doc.put("host", Map.of("name", host));
        }
        doc.put("log", Map.of("level", "critical".equals(severity) ? "ERROR" : "WARN"));
        return doc;
    }

    @Override
    public String toString() {
        return "Alert{" + pattern + " " + severity + " " + keyField + "=" + keyValue + " n=" + eventCount + " '" + message + "'}";
    }
}
