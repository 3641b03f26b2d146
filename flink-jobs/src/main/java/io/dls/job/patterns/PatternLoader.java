package io.dls.job.patterns;

import io.dls.job.patterns.PatternException.Problem;
import io.dls.job.patterns.PatternSpec.Absence;
import io.dls.job.patterns.PatternSpec.Quantifier;
import io.dls.job.patterns.PatternSpec.Severity;
import io.dls.job.patterns.PatternSpec.Step;
import io.dls.job.patterns.PatternSpec.Then;
import io.dls.job.patterns.PatternSpec.TimeMode;
import io.dls.job.patterns.YamlTree.Node;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.stream.Stream;

/**
 * Reads and checks pattern files ({@code *.yaml}, one pattern a file). Every problem of a file is
 * collected, with its line and field path, before anything is thrown, so one {@code validate} run shows
 * them all.
 */
public final class PatternLoader {

    /** The top-level keys of a pattern file; the JSON Schema beside the files lists the same ones. */
    public static final List<String> TOP_LEVEL_KEYS = List.of("name", "description", "key", "severity", "topic",
            "within", "suppress", "time", "message", "steps", "absence", "labels", "runbook_url");
    static final List<String> STEP_KEYS = List.of("name", "where", "times", "at_least", "optional", "then");
    static final List<String> ABSENCE_KEYS = List.of("after", "expect", "until");
    /** Alertmanager's label names; the notifier adds these itself, from the pattern's name, severity and key. */
    static final java.util.regex.Pattern LABEL_NAME = java.util.regex.Pattern.compile("[a-zA-Z_][a-zA-Z0-9_]*");
    static final List<String> RESERVED_LABELS = List.of("alertname", "severity");
    /** Placeholders a message may use; {@link AlertFunction} fills them. */
    public static final List<String> PLACEHOLDERS =
            List.of("count", "key", "pattern", "first", "last", "service", "host", "within");

    static final java.util.regex.Pattern NAME = java.util.regex.Pattern.compile("[a-z0-9-]+");
    static final java.util.regex.Pattern STEP_NAME = java.util.regex.Pattern.compile("[A-Za-z0-9_-]+");
    /** Kafka's legal topic names. */
    static final java.util.regex.Pattern TOPIC = java.util.regex.Pattern.compile("[A-Za-z0-9._-]{1,249}");
    static final java.util.regex.Pattern DURATION = java.util.regex.Pattern.compile("(\\d+)(ms|s|m|h)");
    private static final java.util.regex.Pattern PLACEHOLDER = java.util.regex.Pattern.compile("\\{([^{}]*)}");

    static final String DEFAULT_SEQUENCE_MESSAGE = "{pattern}: {count} matching events from {key} ({first} to {last})";
    static final String DEFAULT_ABSENCE_MESSAGE = "{pattern}: nothing from {key} within {within} after {last}";

    private PatternLoader() {
    }

    /**
     * Loads every {@code *.yaml} (and {@code *.yml}) file of a directory, in file-name order, and checks
     * that pattern names are unique across it.
     *
     * @throws PatternException with every problem of every file
     */
    public static List<PatternSpec> loadDirectory(Path dir) {
        List<Path> files;
        try (Stream<Path> listing = Files.list(dir)) {
            files = listing.filter(f -> Files.isRegularFile(f))
                    .filter(f -> f.getFileName().toString().endsWith(".yaml") || f.getFileName().toString().endsWith(".yml"))
                    .sorted()
                    .toList();
        } catch (IOException e) {
            throw new PatternException(new Problem(dir.toString(), 0, null, "cannot list the directory: " + e));
        }
        List<Problem> problems = new ArrayList<>();
        List<PatternSpec> specs = new ArrayList<>();
        Map<String, String> firstPlace = new HashMap<>();
        for (Path file : files) {
            Parsed parsed = parseFile(file);
            problems.addAll(parsed.problems());
            if (parsed.spec() == null) {
                continue;
            }
            String name = parsed.spec().name();
            String place = file + ":" + parsed.nameLine();
            String first = firstPlace.putIfAbsent(name, place);
            if (first != null) {
                problems.add(new Problem(file.toString(), parsed.nameLine(), "name",
                        "duplicate pattern name '" + name + "' (also in " + first + "); names must be unique, "
                                + "they are the operators' uids"));
            } else {
                specs.add(parsed.spec());
            }
        }
        if (!problems.isEmpty()) {
            throw new PatternException(problems);
        }
        return specs;
    }

    /**
     * Loads one pattern file.
     *
     * @throws PatternException with every problem of the file
     */
    public static PatternSpec load(Path file) {
        Parsed parsed = parseFile(file);
        if (!parsed.problems().isEmpty()) {
            throw new PatternException(parsed.problems());
        }
        return parsed.spec();
    }

    /** Parses YAML text; {@code source} names it in messages. */
    public static PatternSpec parse(String yaml, String source) {
        Parsed parsed = new Checker(source).pattern(yaml);
        if (!parsed.problems().isEmpty()) {
            throw new PatternException(parsed.problems());
        }
        return parsed.spec();
    }

    /** Parses a duration such as {@code 500ms}, {@code 30s}, {@code 5m}, {@code 1h}; null if malformed. */
    public static Duration parseDuration(String text) {
        Matcher m = DURATION.matcher(text.trim());
        if (!m.matches()) {
            return null;
        }
        try {
            long n = Long.parseLong(m.group(1));
            Duration d = switch (m.group(2)) {
                case "ms" -> Duration.ofMillis(n);
                case "s" -> Duration.ofSeconds(n);
                case "m" -> Duration.ofMinutes(n);
                default -> Duration.ofHours(n);
            };
            d.toMillis(); // Flink takes milliseconds: reject what does not fit in a long
            return d;
        } catch (NumberFormatException | ArithmeticException e) {
            return null;
        }
    }

    private record Parsed(PatternSpec spec, int nameLine, List<Problem> problems) {
    }

    private static Parsed parseFile(Path file) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return new Parsed(null, 0, List.of(new Problem(file.toString(), 0, null, "cannot read the file: " + e)));
        }
        return new Checker(file.toString()).pattern(text);
    }

    /** The checks of one file; collects problems instead of stopping at the first. */
    private static final class Checker {
        private final String file;
        private final List<Problem> problems = new ArrayList<>();

        Checker(String file) {
            this.file = file;
        }

        /** The spec, or the problems sorted by line (stable, so problems of one line keep their order). */
        Parsed pattern(String text) {
            Parsed parsed = check(text);
            List<Problem> sorted = new ArrayList<>(parsed.problems());
            sorted.sort(java.util.Comparator.comparingInt(Problem::line));
            return new Parsed(parsed.spec(), parsed.nameLine(), sorted);
        }

        private Parsed check(String text) {
            Node root = YamlTree.parse(text, file, problems);
            if (root == null) {
                return new Parsed(null, 0, problems);
            }
            if (!root.isMap()) {
                problem(root, null, "a pattern file must be a mapping with the keys " + String.join(", ", TOP_LEVEL_KEYS)
                        + "; it " + root.describe());
                return new Parsed(null, 0, problems);
            }
            Map<String, Node> m = root.map();
            unknownKeys(m, "", TOP_LEVEL_KEYS);

            String name = string(m, "name", "", root, true);
            if (name != null && !NAME.matcher(name).matches()) {
                problem(m.get("name"), "name", "must be lower-case letters, digits and '-' ([a-z0-9-]+), was \"" + name + "\"");
            }
            String description = string(m, "description", "", root, false);
            String key = string(m, "key", "", root, true);
            if (key != null && key.isBlank()) {
                problem(m.get("key"), "key", "must name the field to key by (service.name, host.name, ...), was empty");
            }
            Severity severity = choice(m, "severity", Severity.class, null, root);
            String topic = string(m, "topic", "", root, true);
            if (topic != null && !TOPIC.matcher(topic).matches()) {
                problem(m.get("topic"), "topic", "must be a Kafka topic name ([A-Za-z0-9._-], at most 249), was \"" + topic + "\"");
            }
            Duration within = duration(m, "within");
            Duration suppress = duration(m, "suppress");
            TimeMode time = choice(m, "time", TimeMode.class, TimeMode.PROCESSING, root);
            String message = string(m, "message", "", root, false);
            if (message != null) {
                placeholders(m.get("message"), message);
            }

            Map<String, String> labels = labels(m.get("labels"));
            String runbookUrl = string(m, "runbook_url", "", root, false);
            if (runbookUrl != null && !runbookUrl.matches("https?://\\S+")) {
                problem(m.get("runbook_url"), "runbook_url", "must be an http:// or https:// URL, was \"" + runbookUrl + "\"");
            }

            List<Step> steps = List.of();
            Absence absence = null;
            boolean hasSteps = m.containsKey("steps");
            boolean hasAbsence = m.containsKey("absence");
            if (hasSteps && hasAbsence) {
                problem(m.get("absence"), "absence", "a pattern has either 'steps' or 'absence', not both");
            } else if (!hasSteps && !hasAbsence) {
                problem(root, null, "missing 'steps' (a sequence) or 'absence' (silence after an event)");
            } else if (hasSteps) {
                steps = steps(m.get("steps"));
                if (within == null && !m.containsKey("within") && needsWindow(steps)) {
                    problem(root, "within", "required when a pattern matches more than one event "
                            + "(partial matches would otherwise be kept forever)");
                }
            } else {
                absence = absence(m.get("absence"));
                if (!m.containsKey("within")) {
                    problem(root, "within", "required with 'absence': it is the silence allowed after the last 'after' event");
                }
            }

            if (!problems.isEmpty()) {
                return new Parsed(null, 0, problems);
            }
            if (message == null) {
                message = absence != null ? DEFAULT_ABSENCE_MESSAGE : DEFAULT_SEQUENCE_MESSAGE;
            }
            PatternSpec spec = new PatternSpec(name, description, key, severity, topic, within, suppress, time,
                    message, steps, absence, file, labels, runbookUrl);
            return new Parsed(spec, m.get("name").line(), problems);
        }

        private static boolean needsWindow(List<Step> steps) {
            if (steps.size() != 1) {
                return true;
            }
            Quantifier q = steps.get(0).quantifier();
            return q.kind() == Quantifier.Kind.AT_LEAST || (q.kind() == Quantifier.Kind.TIMES && q.count() > 1);
        }

        private List<Step> steps(Node node) {
            if (!node.isList() || node.list().isEmpty()) {
                problem(node, "steps", "must be a non-empty list of steps, " + node.describe());
                return List.of();
            }
            List<Step> steps = new ArrayList<>();
            Map<String, Integer> names = new HashMap<>();
            boolean allOptional = true;
            for (int i = 0; i < node.list().size(); i++) {
                Node item = node.list().get(i);
                String path = "steps[" + i + "]";
                if (!item.isMap()) {
                    problem(item, path, "must be a mapping with the keys " + String.join(", ", STEP_KEYS) + ", " + item.describe());
                    continue;
                }
                Map<String, Node> s = item.map();
                unknownKeys(s, path + ".", STEP_KEYS);
                String name = string(s, "name", path + ".", item, false);
                if (name == null) {
                    name = "step-" + (i + 1);
                } else if (!STEP_NAME.matcher(name).matches()) {
                    problem(s.get("name"), path + ".name", "must be letters, digits, '_' and '-', was \"" + name + "\"");
                }
                Integer previous = names.putIfAbsent(name, i);
                if (previous != null) {
                    problem(s.containsKey("name") ? s.get("name") : item, path + ".name",
                            "step name '" + name + "' is already used by steps[" + previous + "]");
                }
                Condition where = null;
                if (!s.containsKey("where")) {
                    problem(item, path + ".where", "required: the condition this step matches");
                } else {
                    where = condition(s.get("where"), path + ".where");
                }
                Quantifier quantifier = quantifier(s, path);
                allOptional &= quantifier.kind() == Quantifier.Kind.OPTIONAL;
                Then then = null;
                if (s.containsKey("then")) {
                    Node t = s.get("then");
                    if (i == 0) {
                        problem(t, path + ".then", "not allowed on the first step: it says how a step follows the previous one");
                    } else if ("next".equals(t.value())) {
                        then = Then.NEXT;
                    } else if ("followedBy".equals(t.value())) {
                        then = Then.FOLLOWED_BY;
                    } else {
                        problem(t, path + ".then", "must be one of next, followedBy; " + t.describe());
                    }
                } else if (i > 0) {
                    then = Then.FOLLOWED_BY;
                }
                steps.add(new Step(name, where, quantifier, then));
            }
            if (allOptional && !steps.isEmpty()) {
                problem(node, "steps", "at least one step must not be optional (the pattern would match nothing)");
            }
            return steps;
        }

        private Quantifier quantifier(Map<String, Node> s, String path) {
            List<String> given = Stream.of("times", "at_least", "optional").filter(s::containsKey).toList();
            if (given.size() > 1) {
                problem(s.get(given.get(1)), path + "." + given.get(1),
                        "a step has at most one of times, at_least, optional; found " + String.join(" and ", given));
                return Quantifier.ONCE;
            }
            if (given.isEmpty()) {
                return Quantifier.ONCE;
            }
            String k = given.get(0);
            Node v = s.get(k);
            if (k.equals("optional")) {
                if (!(v.value() instanceof Boolean b)) {
                    problem(v, path + ".optional", "must be true or false, " + v.describe());
                    return Quantifier.ONCE;
                }
                return b ? Quantifier.OPTIONAL : Quantifier.ONCE;
            }
            if (!(v.value() instanceof Integer n) || n < 1) {
                problem(v, path + "." + k, "must be a positive integer, " + v.describe());
                return Quantifier.ONCE;
            }
            return new Quantifier(k.equals("times") ? Quantifier.Kind.TIMES : Quantifier.Kind.AT_LEAST, n);
        }

        private Absence absence(Node node) {
            if (!node.isMap()) {
                problem(node, "absence", "must be a mapping with the keys after, expect; " + node.describe());
                return null;
            }
            Map<String, Node> a = node.map();
            unknownKeys(a, "absence.", ABSENCE_KEYS);
            Condition after = null;
            Condition expect = null;
            if (!a.containsKey("after")) {
                problem(node, "absence.after", "required: the condition of the events that start the silence window");
            } else {
                after = condition(a.get("after"), "absence.after");
            }
            if (!a.containsKey("expect")) {
                problem(node, "absence.expect", "required: the condition of the event that must arrive within the window");
            } else {
                expect = condition(a.get("expect"), "absence.expect");
            }
            Condition until = a.containsKey("until") ? condition(a.get("until"), "absence.until") : null;
            return new Absence(after, expect, until);
        }

        /** {@code labels:}: a flat mapping of label names to strings; empty when absent. */
        private Map<String, String> labels(Node node) {
            if (node == null) {
                return Map.of();
            }
            if (!node.isMap()) {
                problem(node, "labels", "must be a mapping of label names to strings, such as "
                        + "{team: payments}; " + node.describe());
                return Map.of();
            }
            Map<String, String> labels = new java.util.LinkedHashMap<>();
            for (Map.Entry<String, Node> e : node.map().entrySet()) {
                String path = "labels." + e.getKey();
                if (!LABEL_NAME.matcher(e.getKey()).matches()) {
                    problem(e.getValue(), path, "not a valid Alertmanager label name ([a-zA-Z_][a-zA-Z0-9_]*)");
                } else if (RESERVED_LABELS.contains(e.getKey())) {
                    problem(e.getValue(), path, "reserved: the notifier sets it from the pattern's "
                            + (e.getKey().equals("alertname") ? "name" : "severity"));
                }
                // Strings only, as everywhere in these files: an unquoted true would be a YAML boolean.
                if (!(e.getValue().value() instanceof String v)) {
                    problem(e.getValue(), path, "must be a string (quote it: \"true\", \"5\"), " + e.getValue().describe());
                } else {
                    labels.put(e.getKey(), v);
                }
            }
            return labels;
        }

        /** A condition, or null after reporting its problems. */
        private Condition condition(Node node, String path) {
            if (!node.isMap() || node.map().isEmpty()) {
                problem(node, path, "must be a condition such as {field: log.level, equals: ERROR}, "
                        + "{all: [..]}, {any: [..]} or {not: {..}}; " + node.describe());
                return null;
            }
            Map<String, Node> c = node.map();
            for (String combinator : List.of("all", "any", "not")) {
                if (c.containsKey(combinator)) {
                    if (c.size() > 1) {
                        problem(node, path, "'" + combinator + "' stands alone in its condition; also found "
                                + String.join(", ", c.keySet().stream().filter(k -> !k.equals(combinator)).toList()));
                        return null;
                    }
                    return combinator.equals("not") ? not(c.get("not"), path + ".not") : group(combinator, c.get(combinator), path + "." + combinator);
                }
            }
            List<String> known = new ArrayList<>(List.of("field", "all", "any", "not"));
            known.addAll(Condition.Values.LEAF_OPERATORS.stream().sorted().toList());
            unknownKeys(c, path + ".", known);
            String field = string(c, "field", path + ".", node, true);
            if (field != null && field.isBlank()) {
                problem(c.get("field"), path + ".field", "must name a field, was empty");
                field = null;
            }
            List<String> ops = c.keySet().stream().filter(Condition.Values.LEAF_OPERATORS::contains).toList();
            if (ops.size() != 1) {
                problem(node, path, ops.isEmpty()
                        ? "needs one test beside 'field': one of " + String.join(", ", Condition.Values.LEAF_OPERATORS.stream().sorted().toList())
                        : "has more than one test (" + String.join(", ", ops) + "); combine them with all: [..]");
                return null;
            }
            String op = ops.get(0);
            Node v = c.get(op);
            String vpath = path + "." + op;
            Condition result = switch (op) {
                case "equals" -> {
                    String text = scalarText(v, vpath);
                    yield text == null ? null : new Condition.Equals(field, text);
                }
                case "in" -> in(field, v, vpath);
                case "regex" -> regex(field, v, vpath);
                case "contains" -> {
                    String text = scalarText(v, vpath);
                    yield text == null ? null : new Condition.Contains(field, text);
                }
                case "exists" -> {
                    if (v.value() instanceof Boolean b) {
                        yield new Condition.Exists(field, b);
                    }
                    problem(v, vpath, "must be true or false, " + v.describe());
                    yield null;
                }
                default -> {
                    if (v.value() instanceof Number n) {
                        yield new Condition.Compare(field, Condition.Compare.Op.valueOf(op.toUpperCase(Locale.ROOT)), n.doubleValue());
                    }
                    problem(v, vpath, "must be a number, " + v.describe());
                    yield null;
                }
            };
            return field == null ? null : result;
        }

        private Condition not(Node node, String path) {
            Condition inner = condition(node, path);
            return inner == null ? null : new Condition.Not(inner);
        }

        private Condition group(String kind, Node node, String path) {
            if (!node.isList() || node.list().isEmpty()) {
                problem(node, path, "must be a non-empty list of conditions, " + node.describe());
                return null;
            }
            List<Condition> parts = new ArrayList<>();
            boolean ok = true;
            for (int i = 0; i < node.list().size(); i++) {
                Condition part = condition(node.list().get(i), path + "[" + i + "]");
                ok &= part != null;
                parts.add(part);
            }
            if (!ok) {
                return null;
            }
            return kind.equals("all") ? new Condition.All(parts) : new Condition.Any(parts);
        }

        private Condition in(String field, Node v, String path) {
            if (!v.isList() || v.list().isEmpty()) {
                problem(v, path, "must be a non-empty list of values, " + v.describe());
                return null;
            }
            List<String> values = new ArrayList<>();
            for (int i = 0; i < v.list().size(); i++) {
                String text = scalarText(v.list().get(i), path + "[" + i + "]");
                if (text == null) {
                    return null;
                }
                values.add(text);
            }
            return new Condition.In(field, values);
        }

        private Condition regex(String field, Node v, String path) {
            if (!(v.value() instanceof String s)) {
                problem(v, path, "must be a string (a Java regular expression), " + v.describe());
                return null;
            }
            try {
                return new Condition.Regex(field, java.util.regex.Pattern.compile(s));
            } catch (java.util.regex.PatternSyntaxException e) {
                problem(v, path, "not a valid regular expression: " + e.getDescription() + " near index " + e.getIndex());
                return null;
            }
        }

        /** A value to compare with: a string, number or boolean, as text. */
        private String scalarText(Node v, String path) {
            if (!v.isScalar() || v.value() == null) {
                problem(v, path, "must be a single value (string, number or true/false), " + v.describe()
                        + (v.value() == null && v.isScalar() ? "; to test for a missing field use exists: false" : ""));
                return null;
            }
            return String.valueOf(v.value());
        }

        private void placeholders(Node node, String message) {
            Matcher m = PLACEHOLDER.matcher(message);
            while (m.find()) {
                if (!PLACEHOLDERS.contains(m.group(1))) {
                    problem(node, "message", "unknown placeholder {" + m.group(1) + "}, known: "
                            + String.join(" ", PLACEHOLDERS.stream().map(p -> "{" + p + "}").toList()));
                }
            }
        }

        private Duration duration(Map<String, Node> m, String key) {
            Node v = m.get(key);
            if (v == null) {
                return null;
            }
            Duration d = v.value() instanceof String s ? parseDuration(s) : null;
            if (d == null || d.isZero()) {
                problem(v, key, "must be a positive duration such as 500ms, 30s, 5m or 1h, " + v.describe());
                return null;
            }
            return d;
        }

        private <E extends Enum<E>> E choice(Map<String, Node> m, String key, Class<E> type, E dflt, Node parent) {
            Node v = m.get(key);
            List<String> allowed = Stream.of(type.getEnumConstants()).map(e -> e.name().toLowerCase(Locale.ROOT)).toList();
            if (v == null) {
                if (dflt == null) {
                    problem(parent, key, "required, one of " + String.join(", ", allowed));
                }
                return dflt;
            }
            if (v.value() instanceof String s && allowed.contains(s)) {
                return Enum.valueOf(type, s.toUpperCase(Locale.ROOT));
            }
            problem(v, key, "must be one of " + String.join(", ", allowed) + ", " + v.describe());
            return dflt;
        }

        /** A string value; numbers and booleans are not silently turned into text. */
        private String string(Map<String, Node> m, String key, String prefix, Node parent, boolean required) {
            Node v = m.get(key);
            if (v == null) {
                if (required) {
                    problem(parent, prefix + key, "required");
                }
                return null;
            }
            if (!(v.value() instanceof String s)) {
                problem(v, prefix + key, "must be a string, " + v.describe());
                return null;
            }
            return s;
        }

        private void unknownKeys(Map<String, Node> m, String prefix, List<String> known) {
            for (Map.Entry<String, Node> e : m.entrySet()) {
                if (!known.contains(e.getKey())) {
                    problem(e.getValue(), prefix + e.getKey(), "unknown key; known keys here: " + String.join(", ", known));
                }
            }
        }

        private void problem(Node at, String field, String message) {
            problems.add(new Problem(file, at == null ? 0 : at.line(), field, message));
        }
    }
}
