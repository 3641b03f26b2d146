package io.dls.job.patterns;

import io.dls.job.normalize.LogEvent;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

import java.util.BitSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The dispatch index chooses exactly the patterns that testing every prefilter one by one would: key field
 * present and prefilter passed. Random patterns (equals, in, regex, comparisons, exists, not, all, any, and no
 * prefilter at all) over a small set of fields and values, so that hits are common; numbers written both ways
 * ({@code 500} and {@code 500.0}) and values of other types than text.
 */
class PrefilterIndexTest {

    private static final List<String> FIELDS = List.of("service.name", "host.name", "log.level", "status_code", "region");
    private static final List<Object> VALUES = List.of("a", "b", "ERROR", "WARN", "500", "500.0", 500, 500.0, -0.0, "0",
            "x1", List.of("a"));

    @Property(tries = 300)
    void selectsExactlyThePatternsWhosePrefilterPasses(@ForAll("patterns") List<CompiledPattern> patterns,
                                                       @ForAll("events") List<LogEvent> events) {
        PrefilterIndex index = new PrefilterIndex(patterns);
        BitSet chosen = new BitSet();
        for (LogEvent e : events) {
            index.select(e, chosen);
            BitSet expected = new BitSet();
            for (int i = 0; i < patterns.size(); i++) {
                CompiledPattern p = patterns.get(i);
                if (e.get(p.keyField()) != null && (p.prefilter() == null || p.prefilter().test(e))) {
                    expected.set(i);
                }
            }
            assertThat(chosen).as("event %s", e.fields).isEqualTo(expected);
        }
    }

    @Provide
    Arbitrary<List<CompiledPattern>> patterns() {
        Arbitrary<CompiledPattern> one = Combinators.combine(
                Arbitraries.of("service.name", "host.name", "region"),
                condition(3).injectNull(0.1)
        ).as((key, prefilter) -> new CompiledPattern(null, null, false, key, null, prefilter));
        return one.list().ofMinSize(1).ofMaxSize(30);
    }

    @Provide
    Arbitrary<List<LogEvent>> events() {
        Arbitrary<Map<String, Object>> fields = Arbitraries.maps(Arbitraries.of(FIELDS), Arbitraries.of(VALUES))
                .ofMaxSize(FIELDS.size());
        return fields.map(f -> {
            LogEvent e = new LogEvent();
            // Nested under fields the way the normalizer keeps original fields; get() finds dotted names there.
            e.fields = new LinkedHashMap<>(f);
            return e;
        }).list().ofMinSize(1).ofMaxSize(20);
    }

    private Arbitrary<Condition> condition(int depth) {
        Arbitrary<String> field = Arbitraries.of(FIELDS);
        Arbitrary<String> value = Arbitraries.of("a", "b", "ERROR", "WARN", "500", "500.0", "0", "-0", "x1", "[a]");
        Arbitrary<Condition> leaf = Arbitraries.oneOf(
                Combinators.combine(field, value).as(Condition.Equals::new),
                Combinators.combine(field, value.list().ofMinSize(1).ofMaxSize(3)).as(Condition.In::new),
                Combinators.combine(field, Arbitraries.of("^a", "R", "0$"))
                        .as((f, r) -> new Condition.Regex(f, java.util.regex.Pattern.compile(r))),
                Combinators.combine(field, Arbitraries.of(Condition.Compare.Op.values()), Arbitraries.of(0.0, 500.0))
                        .as(Condition.Compare::new),
                Combinators.combine(field, Arbitraries.of(true, false)).as(Condition.Exists::new));
        if (depth == 0) {
            return leaf;
        }
        Arbitrary<Condition> inner = Arbitraries.lazy(() -> condition(depth - 1));
        return Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(4, leaf),
                net.jqwik.api.Tuple.of(2, inner.list().ofMinSize(1).ofMaxSize(3).map(l -> (Condition) new Condition.All(l))),
                net.jqwik.api.Tuple.of(2, inner.list().ofMinSize(1).ofMaxSize(3).map(l -> (Condition) new Condition.Any(l))),
                net.jqwik.api.Tuple.of(1, inner.map(c -> (Condition) new Condition.Not(c))));
    }
}
