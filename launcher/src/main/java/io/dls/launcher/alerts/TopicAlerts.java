package io.dls.launcher.alerts;

import com.fasterxml.jackson.databind.JsonNode;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The alerts still active according to the {@code alerts} topic alone, for when no Alertmanager runs: the
 * notifier's resolve rules (notifier/README.md) applied to the records, oldest first. An alert of a
 * recovery-resolved pattern lasts until a {@code node-recovered} notice for its key; any other one until
 * {@code alert.resolve_after_ms} (else 5 minutes) after the last alert of its pattern and key.
 */
public final class TopicAlerts {
    public static final String RECOVERY_RULE = "node-recovered";
    public static final Set<String> RESOLVED_BY_RECOVERY = Set.of("heartbeat-timeout", "node-down", "pipeline-silent");
    static final Duration DEFAULT_RESOLVE_AFTER = Duration.ofMinutes(5);

    private record Entry(JsonNode doc, Instant first, Instant last) {
    }

    private final Map<String, Entry> active = new LinkedHashMap<>();

    /** Takes the next record of the topic (in time order). */
    public void add(JsonNode doc, Instant recordTime) {
        String rule = doc.at("/rule/name").asText("");
        if (rule.isEmpty() || !doc.at("/event/kind").asText("alert").equals("alert")) {
            return;
        }
        Instant at = time(doc, recordTime);
        String key = doc.at("/alert/key/field").asText("") + "=" + doc.at("/alert/key/value").asText("");
        if (rule.equals(RECOVERY_RULE)) {
            active.entrySet().removeIf(e -> e.getKey().endsWith("\u0000" + key)
                    && RESOLVED_BY_RECOVERY.contains(e.getValue().doc.at("/rule/name").asText()));
            return;
        }
        String id = rule + "\u0000" + key;
        Entry previous = active.get(id);
        Instant first = previous == null ? at : previous.first;
        active.put(id, new Entry(doc, first, at));
    }

    /** The alerts active at {@code now}. */
    public List<ActiveAlert> active(Instant now) {
        List<ActiveAlert> out = new ArrayList<>();
        for (Entry e : active.values()) {
            String rule = e.doc.at("/rule/name").asText();
            if (!RESOLVED_BY_RECOVERY.contains(rule)) {
                JsonNode after = e.doc.at("/alert/resolve_after_ms");
                Duration d = after.isNumber() ? Duration.ofMillis(after.asLong()) : DEFAULT_RESOLVE_AFTER;
                if (!e.last.plus(d).isAfter(now)) {
                    continue;
                }
            }
            Map<String, String> labels = new LinkedHashMap<>();
            String field = e.doc.at("/alert/key/field").asText("");
            if (!field.isEmpty()) {
                labels.put(labelName(field), e.doc.at("/alert/key/value").asText(""));
            }
            e.doc.at("/alert/labels").fields().forEachRemaining(l -> {
                if (!l.getKey().equals("silence_inhibitable")) {
                    labels.put(l.getKey(), l.getValue().asText());
                }
            });
            String start = e.doc.at("/event/start").asText(null);
            out.add(new ActiveAlert(e.doc.at("/event/severity").asText(null), rule, labels,
                    start != null ? Instant.parse(start) : e.first, e.doc.path("message").asText(null), null));
        }
        return out;
    }

    /** As the notifier names the key label: service.name -> service, host.name -> host, a.b -> a_b. */
    static String labelName(String field) {
        return switch (field) {
            case "service.name" -> "service";
            case "host.name" -> "host";
            default -> field.replaceAll("[^a-zA-Z0-9_]", "_");
        };
    }

    private static Instant time(JsonNode doc, Instant fallback) {
        try {
            return Instant.parse(doc.path("@timestamp").asText());
        } catch (RuntimeException e) {
            return fallback;
        }
    }
}
