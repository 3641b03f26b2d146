package io.dls.job.patterns;

import io.dls.job.normalize.LogEvent;
import org.apache.flink.cep.functions.PatternProcessFunction;
import org.apache.flink.util.Collector;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;

/**
 * Turns one CEP match into one {@link Alert}.
 *
 * <p>It needs no {@code TimedOutPartialMatchHandler}: a timed-out partial sequence (a WARN never followed by
 * its ERROR) is not an alert, and the absence form ends in {@code notFollowedBy(..).within(..)}, which Flink
 * emits as a complete match when the window closes with nothing expected in it.
 *
 * <p>The alert's time is the moment its condition became true in event time (the last matched event, or the
 * last {@code after} event plus the window for absence), so a replay renders the same alert. In processing
 * time it is the wall clock when the operator fired.
 */
public class AlertFunction extends PatternProcessFunction<LogEvent, Alert> {

    private final PatternSpec spec;
    private final boolean processingTime;

    public AlertFunction(PatternSpec spec, boolean processingTime) {
        this.spec = spec;
        this.processingTime = processingTime;
    }

    @Override
    public void processMatch(Map<String, List<LogEvent>> match, Context ctx, Collector<Alert> out) {
        List<LogEvent> events = inStepOrder(match);
        if (events.isEmpty()) {
            return;
        }
        out.collect(toAlert(events, raisedAt(events.get(events.size() - 1), ctx.currentProcessingTime())));
    }

    /**
     * When the match's alert is raised, without rendering it (so a suppressed one costs no more than this);
     * Long.MIN_VALUE for an empty match.
     */
    long raisedAt(Map<String, List<LogEvent>> match, long processingTimeNow) {
        List<LogEvent> events = inStepOrder(match);
        return events.isEmpty() ? Long.MIN_VALUE : raisedAt(events.get(events.size() - 1), processingTimeNow);
    }

    private long raisedAt(LogEvent last, long processingTimeNow) {
        if (processingTime) {
            return processingTimeNow;
        }
        return spec.isAbsence() ? last.epochMillis + spec.within().toMillis() : last.epochMillis;
    }

    /** Builds the alert; public so tools and tests can render one without a Flink job. */
    public Alert toAlert(List<LogEvent> events, long raisedAtMillis) {
        LogEvent first = events.get(0);
        LogEvent last = events.get(events.size() - 1);
        Alert a = new Alert();
        a.pattern = spec.name();
        a.severity = spec.severity().value();
        a.topic = spec.topic();
        a.keyField = spec.key();
        a.keyValue = String.valueOf(first.get(spec.key()));
        a.epochMillis = raisedAtMillis;
        a.timestamp = Instant.ofEpochMilli(raisedAtMillis).toString();
        a.firstEventTime = timeOf(first);
        a.lastEventTime = timeOf(last);
        a.eventCount = events.size();
        a.eventIds = new ArrayList<>();
        for (LogEvent e : events) {
            if (e.eventId != null) {
                a.eventIds.add(e.eventId);
            }
        }
        a.service = shared(events, e -> e.service);
        a.host = shared(events, e -> e.host);
        // Absence: the last event seen is the one the silence follows; sequences: the first matched event.
        LogEvent anchor = spec.isAbsence() ? last : first;
        a.alertId = alertId(spec.name(), a.keyValue, anchor);
        a.message = render(a);
        a.labels = new java.util.LinkedHashMap<>(spec.labels());
        a.description = spec.description();
        a.runbookUrl = spec.runbookUrl();
        a.resolveAfterMs = spec.resolveAfter() == null ? null : spec.resolveAfter().toMillis();
        return a;
    }

    /** Deterministic: the same pattern, key and anchor event give the same id on every replay. */
    static String alertId(String pattern, String key, LogEvent anchor) {
        String anchorId = anchor.eventId != null ? anchor.eventId
                : anchor.epochMillis + "/" + Objects.hashCode(anchor.message);
        String seed = pattern + '\n' + key + '\n' + anchorId;
        return pattern + "-" + UUID.nameUUIDFromBytes(seed.getBytes(StandardCharsets.UTF_8));
    }

    private List<LogEvent> inStepOrder(Map<String, List<LogEvent>> match) {
        List<LogEvent> events = new ArrayList<>();
        if (spec.isAbsence()) {
            events.addAll(match.getOrDefault(PatternCompiler.AFTER, List.of()));
            return events;
        }
        for (PatternSpec.Step step : spec.steps()) {
            events.addAll(match.getOrDefault(step.name(), List.of()));
        }
        return events;
    }

    private String render(Alert a) {
        return spec.message()
                .replace("{count}", Integer.toString(a.eventCount))
                .replace("{key}", a.keyValue)
                .replace("{pattern}", a.pattern)
                .replace("{first}", a.firstEventTime)
                .replace("{last}", a.lastEventTime)
                .replace("{service}", a.service == null ? "-" : a.service)
                .replace("{host}", a.host == null ? "-" : a.host)
                .replace("{within}", spec.within() == null ? "-" : format(spec.within()));
    }

    private static String timeOf(LogEvent e) {
        return e.timestamp != null ? e.timestamp : Instant.ofEpochMilli(e.epochMillis).toString();
    }

    private static String shared(List<LogEvent> events, java.util.function.Function<LogEvent, String> field) {
        String value = field.apply(events.get(0));
        for (LogEvent e : events) {
            if (!Objects.equals(value, field.apply(e))) {
                return null;
            }
        }
        return value;
    }

    /** A duration as written in pattern files: 1h, 5m, 30s, 500ms. */
    static String format(Duration d) {
        long ms = d.toMillis();
        if (ms % 3_600_000 == 0) {
            return ms / 3_600_000 + "h";
        }
        if (ms % 60_000 == 0) {
            return ms / 60_000 + "m";
        }
        if (ms % 1000 == 0) {
            return ms / 1000 + "s";
        }
        return ms + "ms";
    }
}
