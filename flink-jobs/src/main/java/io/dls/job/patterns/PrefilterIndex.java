package io.dls.job.patterns;

import io.dls.job.normalize.LogEvent;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Which patterns an event can take part in, found by lookups instead of by testing every pattern's prefilter.
 *
 * <p>Each pattern's prefilter ({@link CompiledPattern#prefilter()}) is split into its {@code any} branches. A
 * branch that is, or has as one of its {@code all} parts, an {@code equals} or {@code in} test is filed under
 * that test's field and values; an event is then looked up once per filed field (its value as text, and as a
 * number when it is one, since {@code equals: 500} also matches {@code 500.0}), and only the branches found
 * are tested in full. Branches with nothing to file under (a regex alone, a {@code not}) are tested for every
 * event, as are patterns without a prefilter (a {@code next} step needs every event of its key). The result is
 * exactly "key field present and prefilter passes" for every pattern: the lookups only choose what to test.
 */
public final class PrefilterIndex implements Serializable {

    /** One branch of one pattern's prefilter, tested in full when its filed value is found. */
    private record Branch(int pattern, Condition condition) implements Serializable {
    }

    private final String[] keyFields;
    /** field -> value as text -> branches filed there. */
    private final Map<String, Map<String, Branch[]>> byText;
    /** field -> value as a number -> branches filed there (only values that are numbers). */
    private final Map<String, Map<Double, Branch[]>> byNumber;
    /** The fields looked up, in a fixed order. */
    private final String[] fields;
    /** Branches with nothing to file under: tested for every event. */
    private final Branch[] unindexed;
    /** Patterns without a prefilter: every event with a key value. */
    private final int[] always;

    public PrefilterIndex(List<CompiledPattern> patterns) {
        keyFields = new String[patterns.size()];
        Map<String, Map<String, List<Branch>>> text = new LinkedHashMap<>();
        Map<String, Map<Double, List<Branch>>> number = new LinkedHashMap<>();
        List<Branch> rest = new ArrayList<>();
        List<Integer> all = new ArrayList<>();
        for (int i = 0; i < patterns.size(); i++) {
            CompiledPattern p = patterns.get(i);
            keyFields[i] = p.keyField();
            if (p.prefilter() == null) {
                all.add(i);
                continue;
            }
            for (Condition branch : branches(p.prefilter())) {
                Filed filed = fileUnder(branch);
                Branch b = new Branch(i, branch);
                if (filed == null) {
                    rest.add(b);
                    continue;
                }
                for (String value : filed.values()) {
                    text.computeIfAbsent(filed.field(), f -> new HashMap<>())
                            .computeIfAbsent(value, v -> new ArrayList<>()).add(b);
                    Double n = Condition.Values.number(value);
                    if (n != null) {
                        number.computeIfAbsent(filed.field(), f -> new HashMap<>())
                                .computeIfAbsent(canonical(n), v -> new ArrayList<>()).add(b);
                    }
                }
            }
        }
        byText = freeze(text);
        byNumber = freeze(number);
        fields = text.keySet().toArray(String[]::new);
        unindexed = rest.toArray(Branch[]::new);
        always = all.stream().mapToInt(Integer::intValue).toArray();
    }

    public int size() {
        return keyFields.length;
    }

    /** The fields events are looked up by (for tools that explain the index). */
    public List<String> indexedFields() {
        return List.of(fields);
    }

    /** How many prefilter branches are tested for every event because they have no equals/in test. */
    public int unindexedBranches() {
        return unindexed.length;
    }

    /**
     * Sets in {@code into} (cleared first) the patterns this event concerns: those whose key field has a value
     * in it and whose prefilter it passes.
     */
    public void select(LogEvent event, BitSet into) {
        into.clear();
        for (int p : always) {
            if (event.get(keyFields[p]) != null) {
                into.set(p);
            }
        }
        for (String field : fields) {
            Object value = event.get(field);
            if (value == null) {
                continue;
            }
            test(byText.get(field).get(String.valueOf(value)), event, into);
            Map<Double, Branch[]> numbers = byNumber.get(field);
            if (numbers != null) {
                Double n = Condition.Values.number(value);
                if (n != null) {
                    test(numbers.get(canonical(n)), event, into);
                }
            }
        }
        test(unindexed, event, into);
    }

    private void test(Branch[] found, LogEvent event, BitSet into) {
        if (found == null) {
            return;
        }
        for (Branch b : found) {
            if (!into.get(b.pattern) && event.get(keyFields[b.pattern]) != null && b.condition.test(event)) {
                into.set(b.pattern);
            }
        }
    }

    private static List<Condition> branches(Condition prefilter) {
        return prefilter instanceof Condition.Any any ? any.conditions() : List.of(prefilter);
    }

    private record Filed(String field, List<String> values) {
    }

    /** The equals/in test a branch can be filed under (for {@code all}, its first such part), or null. */
    private static Filed fileUnder(Condition c) {
        if (c instanceof Condition.Equals eq) {
            return new Filed(eq.field(), List.of(eq.value()));
        }
        if (c instanceof Condition.In in) {
            return new Filed(in.field(), in.values());
        }
        if (c instanceof Condition.All allOf) {
            Filed best = null;
            for (Condition part : allOf.conditions()) {
                Filed f = fileUnder(part instanceof Condition.All ? part : leafOnly(part));
                // Fewer values: fewer branches found per lookup (an equals beats an in).
                if (f != null && (best == null || f.values().size() < best.values().size())) {
                    best = f;
                }
            }
            return best;
        }
        return null;
    }

    private static Condition leafOnly(Condition c) {
        return c instanceof Condition.Equals || c instanceof Condition.In ? c : null;
    }

    /** 0.0 and -0.0 are the same number to {@code equals}, but not to {@link Double#equals}. */
    private static Double canonical(double d) {
        return d == 0 ? 0.0 : d;
    }

    private static <K> Map<String, Map<K, Branch[]>> freeze(Map<String, Map<K, List<Branch>>> in) {
        Map<String, Map<K, Branch[]>> out = new HashMap<>();
        in.forEach((field, values) -> {
            Map<K, Branch[]> m = new HashMap<>();
            values.forEach((v, list) -> m.put(v, list.toArray(Branch[]::new)));
            out.put(field, m);
        });
        return out;
    }
}
