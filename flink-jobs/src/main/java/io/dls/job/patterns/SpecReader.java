package io.dls.job.patterns;

import io.dls.job.patterns.PatternSpec.Absence;
import io.dls.job.patterns.PatternSpec.Quantifier;
import io.dls.job.patterns.PatternSpec.Severity;
import io.dls.job.patterns.PatternSpec.Step;
import io.dls.job.patterns.PatternSpec.Then;
import io.dls.job.patterns.PatternSpec.TimeMode;
import io.dls.job.patterns.YamlTree.Node;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Turns a pattern file's tree into a {@link PatternSpec}. Only called on a tree that passed the schema and
 * {@link PatternChecks}, so it reads values without checking them again: a wrong shape here is a bug in the
 * schema, and fails loudly (ClassCastException, NullPointerException) rather than being reported as the user's.
 */
final class SpecReader {

    private final Map<String, Node> m;

    private SpecReader(Node root) {
        this.m = root.map();
    }

    static PatternSpec read(Node root, String file) {
        return new SpecReader(root).spec(file);
    }

    static String defaultStepName(int index) {
        return "step-" + (index + 1);
    }

    private PatternSpec spec(String file) {
        List<Step> steps = m.containsKey("steps") ? steps(m.get("steps").list()) : List.of();
        Absence absence = m.containsKey("absence") ? absence(m.get("absence").map()) : null;
        String message = text("message");
        if (message == null) {
            message = absence != null ? PatternLoader.DEFAULT_ABSENCE_MESSAGE : PatternLoader.DEFAULT_SEQUENCE_MESSAGE;
        }
        Map<String, String> labels = new LinkedHashMap<>();
        if (m.containsKey("labels")) {
            m.get("labels").map().forEach((k, v) -> labels.put(k, (String) v.value()));
        }
        return new PatternSpec(text("name"), text("description"), text("key"),
                Severity.valueOf(upper(text("severity"))), text("topic"), duration("within"), duration("suppress"),
                m.containsKey("time") ? TimeMode.valueOf(upper(text("time"))) : TimeMode.PROCESSING,
                message, steps, absence, file, labels, text("runbook_url"));
    }

    private String text(String key) {
        Node v = m.get(key);
        return v == null ? null : (String) v.value();
    }

    private Duration duration(String key) {
        String text = text(key);
        return text == null ? null : PatternLoader.parseDuration(text);
    }

    private static String upper(String s) {
        return s.toUpperCase(Locale.ROOT);
    }

    private static List<Step> steps(List<Node> items) {
        List<Step> steps = new ArrayList<>();
        for (int i = 0; i < items.size(); i++) {
            Map<String, Node> s = items.get(i).map();
            String name = s.containsKey("name") ? (String) s.get("name").value() : defaultStepName(i);
            Then then = null;
            if (s.containsKey("then")) {
                then = s.get("then").value().equals(Then.NEXT.value) ? Then.NEXT : Then.FOLLOWED_BY;
            } else if (i > 0) {
                then = Then.FOLLOWED_BY;
            }
            steps.add(new Step(name, condition(s.get("where")), quantifier(s), then));
        }
        return steps;
    }

    private static Quantifier quantifier(Map<String, Node> s) {
        if (s.containsKey("times")) {
            return new Quantifier(Quantifier.Kind.TIMES, ((Number) s.get("times").value()).intValue());
        }
        if (s.containsKey("at_least")) {
            return new Quantifier(Quantifier.Kind.AT_LEAST, ((Number) s.get("at_least").value()).intValue());
        }
        if (s.containsKey("optional") && (Boolean) s.get("optional").value()) {
            return Quantifier.OPTIONAL;
        }
        return Quantifier.ONCE;
    }

    private static Absence absence(Map<String, Node> a) {
        return new Absence(condition(a.get("after")), condition(a.get("expect")),
                a.containsKey("until") ? condition(a.get("until")) : null);
    }

    private static Condition condition(Node node) {
        Map<String, Node> c = node.map();
        if (c.containsKey("all")) {
            return new Condition.All(conditions(c.get("all")));
        }
        if (c.containsKey("any")) {
            return new Condition.Any(conditions(c.get("any")));
        }
        if (c.containsKey("not")) {
            return new Condition.Not(condition(c.get("not")));
        }
        String field = (String) c.get("field").value();
        Map.Entry<String, Node> test = c.entrySet().stream().filter(e -> !e.getKey().equals("field")).findFirst().orElseThrow();
        Object v = test.getValue().value();
        return switch (test.getKey()) {
            case "equals" -> new Condition.Equals(field, String.valueOf(v));
            case "in" -> new Condition.In(field, test.getValue().list().stream().map(n -> String.valueOf(n.value())).toList());
            case "regex" -> new Condition.Regex(field, java.util.regex.Pattern.compile((String) v));
            case "contains" -> new Condition.Contains(field, String.valueOf(v));
            case "exists" -> new Condition.Exists(field, (Boolean) v);
            default -> new Condition.Compare(field, Condition.Compare.Op.valueOf(upper(test.getKey())), ((Number) v).doubleValue());
        };
    }

    private static List<Condition> conditions(Node list) {
        return list.list().stream().map(SpecReader::condition).toList();
    }
}
