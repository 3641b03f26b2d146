package io.dls.job.patterns;

import java.io.Serializable;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One alert pattern as written in {@code alert-patterns/*.yaml}, checked by {@link PatternLoader}. Exactly one
 * of {@link #steps} (non-empty) and {@link #absence} (non-null) is set.
 *
 * <p>Serializable because the alert function running on the task managers keeps the spec it renders
 * alerts from.
 *
 * @param within   the window of the whole sequence, or the silence allowed for absence; null only for a
 *                 single step that matches one event
 * @param suppress null when alerts are not suppressed
 * @param message  the template, with the default already filled in when the file had none
 * @param source   the file it was read from, for messages
 * @param labels   extra Alertmanager labels the notifier puts on every alert of the pattern (file order kept);
 *                 empty when the file has none
 * @param runbookUrl null when the file has none
 */
public record PatternSpec(
        String name,
        String description,
        String key,
        Severity severity,
        String topic,
        Duration within,
        Duration suppress,
        TimeMode time,
        String message,
        List<Step> steps,
        Absence absence,
        String source,
        Map<String, String> labels,
        String runbookUrl) implements Serializable {

    public PatternSpec {
        steps = steps == null ? List.of() : List.copyOf(steps);
        // LinkedHashMap, not Map.copyOf: file order is kept, and both are serializable.
        labels = labels == null ? Map.of() : java.util.Collections.unmodifiableMap(new LinkedHashMap<>(labels));
    }

    /** A pattern without labels or runbook (tests and tools that build specs by hand). */
    public PatternSpec(String name, String description, String key, Severity severity, String topic, Duration within,
                       Duration suppress, TimeMode time, String message, List<Step> steps, Absence absence,
                       String source) {
        this(name, description, key, severity, topic, within, suppress, time, message, steps, absence, source,
                Map.of(), null);
    }

    /**
     * How long after an alert the notifier should consider its condition over unless a new alert comes: the
     * suppression time (repeats are dropped that long, so silence from the job means nothing), else the
     * window. Null for absence patterns, which end with the node-recovered notice instead, and for one-event
     * patterns without suppression (the notifier's default applies).
     */
    public Duration resolveAfter() {
        if (isAbsence()) {
            return null;
        }
        return suppress != null ? suppress : within;
    }

    public boolean isAbsence() {
        return absence != null;
    }

    /** A step that matches more than one event: the pattern is a burst and skips past its last event. */
    public boolean isBurst() {
        return steps.stream().anyMatch(s -> s.quantifier().kind() == Quantifier.Kind.TIMES
                || s.quantifier().kind() == Quantifier.Kind.AT_LEAST);
    }

    public enum Severity {
        INFO, WARNING, CRITICAL;

        /** The spelling used in files and alerts. */
        public String value() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    public enum TimeMode {
        PROCESSING, EVENT;

        public String value() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** How a step follows the previous one, as in Flink CEP. */
    public enum Then {
        /** Strict contiguity: the very next event of the key. */
        NEXT("next"),
        /** Relaxed contiguity: non-matching events in between are skipped. */
        FOLLOWED_BY("followedBy");

        public final String value;

        Then(String value) {
            this.value = value;
        }
    }

    /** {@code times: N}, {@code at_least: N}, {@code optional: true}, or nothing (exactly once). */
    public record Quantifier(Kind kind, int count) implements Serializable {
        public enum Kind { ONCE, TIMES, AT_LEAST, OPTIONAL }

        public static final Quantifier ONCE = new Quantifier(Kind.ONCE, 1);
        public static final Quantifier OPTIONAL = new Quantifier(Kind.OPTIONAL, 1);
    }

    /**
     * @param then how this step follows the previous one; null on the first step
     */
    public record Step(String name, Condition where, Quantifier quantifier, Then then) implements Serializable {
    }

    /**
     * Alert when no {@code expect} event arrives within the window after the last {@code after} event. An
     * {@code until} event (a deregistration) ends the watch of its key without an alert; the next {@code after}
     * event starts it again.
     *
     * @param until null when the pattern has none
     */
    public record Absence(Condition after, Condition expect, Condition until) implements Serializable {
        public Absence(Condition after, Condition expect) {
            this(after, expect, null);
        }
    }
}
