package io.dls.job.patterns;

import java.util.List;
import java.util.stream.Collectors;

/**
 * One or more problems in pattern files. Each problem names the file, the line and the field, so the
 * {@code validate} command can print them all, one per line, like a compiler:
 * {@code alert-patterns/error-burst.yaml:7: field 'steps[0].times': must be a positive integer, was -1}.
 * {@link #file()}, {@link #line()} and {@link #field()} describe the first problem.
 */
public class PatternException extends RuntimeException {

    /**
     * @param line  1-based, 0 when the problem is not at a line (a missing file, a directory)
     * @param field the field path such as {@code steps[0].times}, or null for the whole file
     */
    public record Problem(String file, int line, String field, String message) {
        @Override
        public String toString() {
            StringBuilder sb = new StringBuilder(file);
            if (line > 0) {
                sb.append(':').append(line);
            }
            sb.append(": ");
            if (field != null && !field.isEmpty()) {
                sb.append("field '").append(field).append("': ");
            }
            return sb.append(message).toString();
        }
    }

    private final List<Problem> problems;

    public PatternException(List<Problem> problems) {
        super(problems.stream().map(Problem::toString).collect(Collectors.joining("\n")));
        if (problems.isEmpty()) {
            throw new IllegalArgumentException("a PatternException needs at least one problem");
        }
        this.problems = List.copyOf(problems);
    }

    public PatternException(Problem problem) {
        this(List.of(problem));
    }

    /** Every problem found, in file order. */
    public List<Problem> problems() {
        return problems;
    }

    public String file() {
        return problems.get(0).file();
    }

    public int line() {
        return problems.get(0).line();
    }

    public String field() {
        return problems.get(0).field();
    }
}
