package io.dls.notifier;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One record of the {@code alerts} topic as the notifier understands it: an alert a pattern raised, or a
 * node-recovered notice (which is an alert document too, with its own rule name). Read by
 * {@link AlertReader}; the JSON on the topic is the contract, not the job's classes.
 *
 * @param ruleName     {@code rule.name}: the pattern's name
 * @param severity     {@code event.severity}, null when absent
 * @param keyField     {@code alert.key.field} (service.name, host.name, any field path), "" when absent
 * @param keyValue     {@code alert.key.value}, "" when absent
 * @param message      {@code message}
 * @param alertId      {@code event.id}: deterministic in the job (pattern + key + first event id)
 * @param raisedAt     {@code @timestamp}: when the job raised it; resolution times count from here
 * @param firstEvent   {@code event.start}, else {@code @timestamp}
 * @param lastEvent    {@code event.end}, else {@link #firstEvent}
 * @param eventCount   {@code alert.count}
 * @param eventIds     {@code alert.event_ids}
 * @param labels       {@code alert.labels}: labels the pattern file declares (values as text)
 * @param description  {@code alert.description}, else {@code rule.description}
 * @param runbookUrl   {@code alert.runbook_url}, else {@code rule.reference}
 * @param resolveAfter {@code alert.resolve_after_ms}: how long after it was raised the alert ends unless a
 *                     new one of the same pattern and key comes
 */
public record PipelineAlert(
        String ruleName,
        String severity,
        String keyField,
        String keyValue,
        String message,
        String alertId,
        Instant raisedAt,
        Instant firstEvent,
        Instant lastEvent,
        long eventCount,
        List<String> eventIds,
        Map<String, String> labels,
        Optional<String> description,
        Optional<String> runbookUrl,
        Optional<Duration> resolveAfter) {

    public PipelineAlert {
        eventIds = List.copyOf(eventIds);
        labels = Map.copyOf(labels);
    }
}
