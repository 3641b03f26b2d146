package io.dls.job.patterns;

import io.dls.job.patterns.PatternException.Problem;
import io.dls.job.patterns.YamlTree.Node;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;
import java.util.regex.Matcher;
import java.util.regex.PatternSyntaxException;

/**
 * The rules of a pattern file that {@code pattern.schema.json} cannot state: they need a regex engine, a
 * clock's range, the alert function's placeholders, or a look across steps. They run on the raw tree beside
 * the schema, so a file's problems all come out in one run; each rule looks only at values of the shape the
 * schema asks for and leaves the others to the schema's messages.
 */
final class PatternChecks {

    private static final java.util.regex.Pattern PLACEHOLDER = java.util.regex.Pattern.compile("\\{([^{}]*)}");

    private final String file;
    private final List<Problem> problems;

    private PatternChecks(String file, List<Problem> problems) {
        this.file = file;
        this.problems = problems;
    }

    /** Adds the problems of a pattern file's top-level mapping to {@code problems}. */
    static void check(Node root, String file, List<Problem> problems) {
        PatternChecks c = new PatternChecks(file, problems);
        Map<String, Node> m = root.map();
        c.duration(m.get("within"), "within");
        c.duration(m.get("suppress"), "suppress");
        c.placeholders(m.get("message"));
        forEachCondition(root, c::regex);
        Node steps = m.get("steps");
        if (steps != null && steps.isList() && !steps.list().isEmpty()) {
            c.stepNames(steps);
            c.notAllOptional(steps);
            if (!m.containsKey("within") && needsWindow(steps)) {
                c.problem(root, "within", "required when a pattern matches more than one event "
                        + "(partial matches would otherwise be kept forever)");
            }
        }
    }

    /** The schema checks the spelling; Flink takes milliseconds in a long, which 99999999999999999999s is not. */
    private void duration(Node v, String key) {
        if (v != null && v.value() instanceof String s && PatternLoader.DURATION.matcher(s).matches()
                && PatternLoader.parseDuration(s) == null) {
            problem(v, key, "too long: a duration must fit in 2^63 milliseconds, " + v.describe());
        }
    }

    private void placeholders(Node v) {
        if (v == null || !(v.value() instanceof String message)) {
            return;
        }
        Matcher m = PLACEHOLDER.matcher(message);
        while (m.find()) {
            if (!PatternLoader.PLACEHOLDERS.contains(m.group(1))) {
                problem(v, "message", "unknown placeholder {" + m.group(1) + "}, known: "
                        + String.join(" ", PatternLoader.PLACEHOLDERS.stream().map(p -> "{" + p + "}").toList()));
            }
        }
    }

    private void regex(String path, Node condition) {
        Node v = condition.map().get("regex");
        if (v != null && v.value() instanceof String s) {
            try {
                java.util.regex.Pattern.compile(s);
            } catch (PatternSyntaxException e) {
                problem(v, path + ".regex", "not a valid regular expression: " + e.getDescription() + " near index " + e.getIndex());
            }
        }
    }

    /** Step names become CEP pattern names, which must differ; unnamed steps are step-1, step-2, ... */
    private void stepNames(Node steps) {
        Map<String, Integer> seen = new HashMap<>();
        for (int i = 0; i < steps.list().size(); i++) {
            Node step = steps.list().get(i);
            if (!step.isMap()) {
                continue;
            }
            Node name = step.map().get("name");
            String text = name == null ? SpecReader.defaultStepName(i) : name.value() instanceof String s ? s : null;
            Integer previous = text == null ? null : seen.putIfAbsent(text, i);
            if (previous != null) {
                problem(name != null ? name : step, "steps[" + i + "].name",
                        "step name '" + text + "' is already used by steps[" + previous + "]");
            }
        }
    }

    private void notAllOptional(Node steps) {
        boolean allOptional = steps.list().stream()
                .allMatch(s -> s.isMap() && s.map().containsKey("optional") && Boolean.TRUE.equals(s.map().get("optional").value()));
        if (allOptional) {
            problem(steps, "steps", "at least one step must not be optional (the pattern would match nothing)");
        }
    }

    /** More than one event to match: partial matches wait for the rest, and only a window ends the wait. */
    private static boolean needsWindow(Node steps) {
        if (steps.list().size() != 1) {
            return true;
        }
        Node only = steps.list().get(0);
        if (!only.isMap()) {
            return false; // the schema reports it
        }
        Map<String, Node> step = only.map();
        return step.containsKey("at_least")
                || step.containsKey("times") && step.get("times").value() instanceof Number n && n.doubleValue() > 1;
    }

    /** Calls {@code visit} with every condition mapping of the file and its field path, nested ones too. */
    private static void forEachCondition(Node root, BiConsumer<String, Node> visit) {
        Map<String, Node> m = root.map();
        Node steps = m.get("steps");
        if (steps != null && steps.isList()) {
            for (int i = 0; i < steps.list().size(); i++) {
                condition(steps.list().get(i).child("where"), "steps[" + i + "].where", visit);
            }
        }
        Node absence = m.get("absence");
        if (absence != null) {
            for (String k : List.of("after", "expect", "until")) {
                condition(absence.child(k), "absence." + k, visit);
            }
        }
    }

    private static void condition(Node c, String path, BiConsumer<String, Node> visit) {
        if (c == null || !c.isMap()) {
            return;
        }
        visit.accept(path, c);
        for (String group : List.of("all", "any")) {
            Node list = c.map().get(group);
            if (list != null && list.isList()) {
                for (int i = 0; i < list.list().size(); i++) {
                    condition(list.list().get(i), path + "." + group + "[" + i + "]", visit);
                }
            }
        }
        condition(c.map().get("not"), path + ".not", visit);
    }

    private void problem(Node at, String field, String message) {
        problems.add(new Problem(file, at.line(), field, message));
    }
}
