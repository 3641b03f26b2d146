package io.dls.job.patterns;

import java.io.Serializable;
import java.time.Duration;
import java.util.List;
import java.util.Locale;

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
        String source) implements Serializable {

    public PatternSpec {
        steps = steps == null ? List.of() : List.copyOf(steps);
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

    /** Alert when no {@code expect} event arrives within the window after the last {@code after} event. */
    public record Absence(Condition after, Condition expect) implements Serializable {
    }
}
