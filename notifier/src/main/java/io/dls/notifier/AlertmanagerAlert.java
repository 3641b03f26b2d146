package io.dls.notifier;

import java.time.Instant;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * One element of the JSON array {@code POST /api/v2/alerts} takes. Alertmanager identifies an alert by its
 * label set alone, so {@link #labels} is also the key of the notifier's active-alert registry.
 *
 * @param endsAt when Alertmanager may consider it over: in the past for a resolution, in the near future
 *               for a firing alert (so Alertmanager resolves it on its own if the notifier goes away)
 */
public record AlertmanagerAlert(
        SortedMap<String, String> labels,
        Map<String, String> annotations,
        Instant startsAt,
        Instant endsAt,
        String generatorUrl) {

    public AlertmanagerAlert {
        labels = java.util.Collections.unmodifiableSortedMap(new TreeMap<>(labels));
        annotations = Map.copyOf(annotations);
    }

    public AlertmanagerAlert withTimes(Instant starts, Instant ends) {
        return new AlertmanagerAlert(labels, annotations, starts, ends, generatorUrl);
    }

    public String name() {
        return labels.getOrDefault("alertname", "?") + labels;
    }
}
