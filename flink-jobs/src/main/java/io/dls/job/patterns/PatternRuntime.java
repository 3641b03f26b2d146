package io.dls.job.patterns;

import io.dls.job.normalize.LogEvent;
import org.apache.flink.cep.nfa.aftermatch.AfterMatchSkipStrategy;
import org.apache.flink.cep.nfa.compiler.NFACompiler;

import java.io.Serializable;

/**
 * What the pattern operator needs of one pattern on the task managers (Flink's {@code Pattern} itself is not
 * serializable; its compiled NFA factory is).
 *
 * @param suppressMillis 0 when alerts are not suppressed
 */
record PatternRuntime(
        String name,
        NFACompiler.NFAFactory<LogEvent> nfa,
        AfterMatchSkipStrategy skip,
        boolean processingTime,
        AlertFunction function,
        long suppressMillis) implements Serializable {

    static PatternRuntime of(CompiledPattern p) {
        return new PatternRuntime(p.name(), NFACompiler.compileFactory(p.pattern(), false),
                p.pattern().getAfterMatchSkipStrategy(), p.processingTime(), (AlertFunction) p.function(),
                p.suppress() == null ? 0 : p.suppress().toMillis());
    }
}
