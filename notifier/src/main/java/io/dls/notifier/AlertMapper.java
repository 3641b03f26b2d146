package io.dls.notifier;

import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * Maps a pipeline alert onto Alertmanager's labels and annotations. Labels identify the alert in
 * Alertmanager (and group, route and inhibit it), so they hold only what is stable for one condition:
 * the pattern, the severity, the key and the pattern's own labels. Everything that changes from one
 * alert to the next (message, counts, ids) is an annotation.
 */
public final class AlertMapper {
    private static final Pattern INVALID_LABEL_CHARS = Pattern.compile("[^a-zA-Z0-9_]");

    private final KibanaLinks links;

    public AlertMapper(KibanaLinks links) {
        this.links = links;
    }

    /** The labels alone: the identity of the alert in Alertmanager. */
    public SortedMap<String, String> labels(PipelineAlert a) {
        SortedMap<String, String> labels = new TreeMap<>();
        labels.put("alertname", a.ruleName());
        if (a.severity() != null) {
            labels.put("severity", a.severity());
        }
        String keyLabel = keyLabel(a.keyField());
        if (keyLabel != null && !a.keyValue().isEmpty()) {
            labels.put(keyLabel, a.keyValue());
        }
        // The pattern's labels never replace the ones above: those are what routes and resolves the alert.
        a.labels().forEach((name, value) -> {
            String n = labelName(name);
            if (n != null && !value.isEmpty()) {
                labels.putIfAbsent(n, value);
            }
        });
        return labels;
    }

    /** The alert as firing; the registry sets the times it is posted with. */
    public AlertmanagerAlert firing(PipelineAlert a) {
        Map<String, String> ann = new LinkedHashMap<>();
        ann.put("summary", a.message());
        a.description().ifPresent(d -> ann.put("description", d));
        a.runbookUrl().ifPresent(u -> ann.put("runbook_url", u));
        String firstId = a.eventIds().isEmpty() ? "" : a.eventIds().get(0);
        String lastId = a.eventIds().isEmpty() ? "" : a.eventIds().get(a.eventIds().size() - 1);
        String window = a.firstEvent() + " to " + a.lastEvent();
        ann.put("evidence", a.eventCount() + " event(s) from " + window + " (" + seconds(a) + ")"
                + (firstId.isEmpty() ? "" : "; first event id " + firstId + ", last event id " + lastId));
        ann.put("event_count", Long.toString(a.eventCount()));
        ann.put("window", window);
        if (!firstId.isEmpty()) {
            ann.put("first_event_id", firstId);
            ann.put("last_event_id", lastId);
        }
        if (!a.alertId().isEmpty()) {
            ann.put("alert_id", a.alertId());
        }
        return new AlertmanagerAlert(labels(a), ann, a.firstEvent(), null, links.discover(a));
    }

    private static String seconds(PipelineAlert a) {
        Duration d = Duration.between(a.firstEvent(), a.lastEvent()).abs();
        return String.format(java.util.Locale.ROOT, "%.3f s", d.toMillis() / 1000.0);
    }

    /** service.name and host.name get their usual names; any other key field path becomes a valid label name. */
    static String keyLabel(String keyField) {
        if (keyField == null || keyField.isEmpty()) {
            return null;
        }
        return switch (keyField) {
            case "service.name", "service" -> "service";
            case "host.name", "host", "node_id" -> "host";
            default -> {
                String n = labelName(keyField);
                yield n == null || n.equals("alertname") || n.equals("severity") ? "key_" + n : n;
            }
        };
    }

    /** Alertmanager refuses the whole batch for one label name outside [a-zA-Z_][a-zA-Z0-9_]*. */
    static String labelName(String raw) {
        if (raw == null || raw.isEmpty()) {
            return null;
        }
        String n = INVALID_LABEL_CHARS.matcher(raw).replaceAll("_");
        return Character.isDigit(n.charAt(0)) ? "_" + n : n;
    }

    static Instant earlier(Instant a, Instant b) {
        return a.isBefore(b) ? a : b;
    }
}
