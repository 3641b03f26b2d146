package io.dls.job.patterns;

import io.dls.job.patterns.PatternException.Problem;
import io.dls.job.patterns.YamlTree.Node;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.stream.Stream;

/**
 * Reads and checks pattern files ({@code *.yaml}, one pattern a file). Every problem of a file is
 * collected, with its line and field path, before anything is thrown, so one {@code validate} run shows
 * them all. The structure is {@code pattern.schema.json}'s ({@link PatternSchema}); the rules a schema cannot
 * state are {@link PatternChecks}'; {@link SpecReader} turns a file that passed both into a {@link PatternSpec}.
 */
public final class PatternLoader {

    /** Placeholders a message may use; {@link AlertFunction} fills them. */
    public static final List<String> PLACEHOLDERS =
            List.of("count", "key", "pattern", "first", "last", "service", "host", "within");

    /** The spelling of a duration; the schema's "duration" says the same (and that it is positive). */
    static final java.util.regex.Pattern DURATION = java.util.regex.Pattern.compile("(\\d+)(ms|s|m|h)");

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
        Parsed parsed = check(yaml, source);
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
        return check(text, file.toString());
    }

    /**
     * The spec, or every problem of the text sorted by line (stable, so problems of one line keep their order):
     * YAML syntax first, then the schema (structure), then {@link PatternChecks} (what a schema cannot say).
     */
    private static Parsed check(String text, String file) {
        List<Problem> problems = new ArrayList<>();
        Node root = YamlTree.parse(text, file, problems);
        if (root == null) {
            return new Parsed(null, 0, problems);
        }
        problems.addAll(PatternSchema.get().problems(root, file));
        if (root.isMap()) {
            PatternChecks.check(root, file, problems);
        }
        if (!problems.isEmpty()) {
            problems.sort(Comparator.comparingInt(Problem::line));
            return new Parsed(null, 0, problems);
        }
        return new Parsed(SpecReader.read(root, file), root.map().get("name").line(), problems);
    }
}
