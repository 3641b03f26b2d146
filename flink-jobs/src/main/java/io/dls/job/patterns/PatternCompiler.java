package io.dls.job.patterns;

import io.dls.job.normalize.LogEvent;
import io.dls.job.patterns.PatternSpec.Step;
import org.apache.flink.cep.nfa.aftermatch.AfterMatchSkipStrategy;
import org.apache.flink.cep.nfa.compiler.NFACompiler;
import org.apache.flink.cep.pattern.MalformedPatternException;
import org.apache.flink.cep.pattern.Pattern;
import org.apache.flink.cep.pattern.conditions.SimpleCondition;

import java.util.List;

/** Compiles a checked {@link PatternSpec} into a Flink CEP {@link Pattern}. */
public final class PatternCompiler {

    /** CEP state names of the absence form; {@link AlertFunction} reads the match by them. */
    static final String AFTER = "after";
    static final String EXPECT = "expect";

    private PatternCompiler() {
    }

    /**
     * @param forceEventTime run in event time whatever the file says (dry runs replay a sample by its
     *                       timestamps, where the wall clock means nothing)
     * @throws PatternException if Flink's NFA compiler rejects the pattern (so {@code validate} catches it
     *                          before a job is submitted)
     */
    public static CompiledPattern compile(PatternSpec spec, boolean forceEventTime) {
        Pattern<LogEvent, LogEvent> pattern = spec.isAbsence() ? absence(spec) : sequence(spec);
        try {
            NFACompiler.compileFactory(pattern, false);
        } catch (MalformedPatternException e) {
            throw new PatternException(new PatternException.Problem(spec.source(), 0,
                    spec.isAbsence() ? "absence" : "steps", "Flink CEP rejects this pattern: " + e.getMessage()));
        }
        boolean processingTime = spec.time() == PatternSpec.TimeMode.PROCESSING && !forceEventTime;
        return new CompiledPattern(spec, pattern, processingTime, spec.key(),
                new AlertFunction(spec, processingTime), prefilter(spec));
    }

    /**
     * An event that matches no condition of the pattern cannot change its outcome, except under a
     * {@code next} step, where it breaks the strict contiguity: then every event is needed. (Repetitions of
     * times / at_least are relaxed, so events between them do not matter.)
     */
    static Condition prefilter(PatternSpec spec) {
        if (spec.isAbsence()) {
            return absenceEnds(spec.absence());
        }
        if (spec.steps().stream().anyMatch(s -> s.then() == PatternSpec.Then.NEXT)) {
            return null;
        }
        return new Condition.Any(spec.steps().stream().map(Step::where).toList());
    }

    public static List<CompiledPattern> compileAll(List<PatternSpec> specs, boolean forceEventTime) {
        return specs.stream().map(s -> compile(s, forceEventTime)).toList();
    }

    private static boolean repeated(PatternSpec.Quantifier q) {
        return q.kind() == PatternSpec.Quantifier.Kind.TIMES || q.kind() == PatternSpec.Quantifier.Kind.AT_LEAST;
    }

    /** The CEP state that drops a waiting first event when a newer one comes (see {@link #sequence}). */
    static final String SUPERSEDED = "~superseded";

    private static Pattern<LogEvent, LogEvent> sequence(PatternSpec spec) {
        // A burst (times / at_least) would otherwise give one match per sliding start event: skipping past
        // the last matched event makes one burst one alert.
        AfterMatchSkipStrategy skip = spec.isBurst()
                ? AfterMatchSkipStrategy.skipPastLastEvent() : AfterMatchSkipStrategy.noSkip();
        Pattern<LogEvent, LogEvent> p = null;
        for (Step step : spec.steps()) {
            if (p == null) {
                p = Pattern.begin(step.name(), skip);
            } else if (step.then() == PatternSpec.Then.NEXT) {
                p = p.next(step.name());
            } else {
                p = p.followedBy(step.name());
            }
            p = p.where(new EventCondition(step.where()));
            PatternSpec.Quantifier q = step.quantifier();
            p = switch (q.kind()) {
                case TIMES -> p.times(q.count());
                case AT_LEAST -> p.timesOrMore(q.count());
                case OPTIONAL -> p.optional();
                case ONCE -> p;
            };
            if (repeated(q) && spec.steps().size() == 1) {
                // Only events matching this step reach a one-step pattern (the prefilter), so strict
                // contiguity changes nothing in what matches, but keeps one partial match per start event
                // instead of one per combination: relaxed repetition made the NFA quadratic under load.
                p = p.consecutive();
            }
            if (step == spec.steps().get(0) && supersedes(spec)) {
                // "A then B within W": every A would otherwise wait for a B of its own, and a frequent A
                // (a WARN a second, a 1-minute window) kept thousands of partial matches that every event
                // had to walk. A newer A that cannot itself be the B drops the waiting one: conditions look
                // at one event only, so whatever B completes the older A completes the newer one too, and
                // within a window that ends later. The alert then names the last A before the B.
                Step second = spec.steps().get(1);
                p = p.notFollowedBy(SUPERSEDED).where(new EventCondition(
                        new Condition.All(List.of(step.where(), new Condition.Not(second.where())))));
            }
        }
        return spec.within() == null ? p : p.within(spec.within());
    }

    /**
     * {@code begin(after).notFollowedBy(expect or after).within(window)}: each {@code after} event opens a
     * window, and the window closes with a match (Flink emits a pattern that ends in notFollowedBy when its
     * window ends) unless an expected event arrives. A later {@code after} event also closes the window, and
     * opens its own: the silence is counted from the last one, so a key gives one alert, not one per event.
     * A key that sent only one {@code after} event (a registration and then nothing) alerts too. An
     * {@code until} event (a deregistration) closes the window like an expected one and, matching no
     * {@code after}, opens none: the key is no longer watched until its next {@code after} event.
     */
    private static Pattern<LogEvent, LogEvent> absence(PatternSpec spec) {
        Condition after = spec.absence().after();
        Condition ends = absenceEnds(spec.absence());
        return Pattern.<LogEvent>begin(AFTER)
                .where(new EventCondition(after))
                .notFollowedBy(EXPECT)
                .where(new EventCondition(ends))
                .within(spec.within());
    }

    /** The events that close an absence window: expected, a newer {@code after}, or {@code until}. */
    private static Condition absenceEnds(PatternSpec.Absence absence) {
        List<Condition> ends = new java.util.ArrayList<>(List.of(absence.expect(), absence.after()));
        if (absence.until() != null) {
            ends.add(absence.until());
        }
        return new Condition.Any(ends);
    }

    /** A first step that happens once, followed (relaxed) by a second step that must happen. */
    private static boolean supersedes(PatternSpec spec) {
        return spec.steps().size() >= 2
                && spec.steps().get(0).quantifier().kind() == PatternSpec.Quantifier.Kind.ONCE
                && spec.steps().get(1).then() == PatternSpec.Then.FOLLOWED_BY
                && spec.steps().get(1).quantifier().kind() != PatternSpec.Quantifier.Kind.OPTIONAL;
    }

    /** A pattern {@link Condition} as a CEP condition. */
    static final class EventCondition extends SimpleCondition<LogEvent> {
        private final Condition condition;

        EventCondition(Condition condition) {
            this.condition = condition;
        }

        @Override
        public boolean filter(LogEvent event) {
            return condition.test(event);
        }
    }
}
