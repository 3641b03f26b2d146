package io.dls.job.patterns;

import io.dls.job.normalize.LogEvent;

import java.io.Serializable;
import java.util.List;
import java.util.Set;

/**
 * A test on one {@link LogEvent}, as written in a pattern's {@code where}, {@code after} or {@code expect}.
 *
 * <p>Serializable because Flink ships the compiled CEP pattern, and so every condition, to the task
 * managers. A missing field ({@link LogEvent#get} returns null) fails every test except
 * {@code exists: false}, so a {@code not} around a test is the way to say "absent or different".
 */
public sealed interface Condition extends Serializable {

    boolean test(LogEvent event);

    /** {@code {field: F, equals: V}}: same text, or the same number when both sides are numbers. */
    record Equals(String field, String value) implements Condition {
        @Override
        public boolean test(LogEvent event) {
            return Values.sameValue(event.get(field), value);
        }
    }

    /** {@code {field: F, in: [..]}}. */
    record In(String field, List<String> values) implements Condition {
        public In {
            values = List.copyOf(values);
        }

        @Override
        public boolean test(LogEvent event) {
            Object actual = event.get(field);
            for (String v : values) {
                if (Values.sameValue(actual, v)) {
                    return true;
                }
            }
            return false;
        }
    }

    /**
     * {@code {field: F, regex: "..."}}: Java regex, found anywhere in the value. The compiled
     * {@link java.util.regex.Pattern} is itself Serializable, so it is compiled once when the file is
     * loaded (and once more on each task manager when deserialized), never per event.
     */
    record Regex(String field, java.util.regex.Pattern regex) implements Condition {
        @Override
        public boolean test(LogEvent event) {
            Object actual = event.get(field);
            return actual != null && regex.matcher(String.valueOf(actual)).find();
        }

        /** Records compare fields with equals(); Pattern does not implement it, so compare the source. */
        @Override
        public boolean equals(Object o) {
            return o instanceof Regex r && r.field.equals(field) && r.regex.pattern().equals(regex.pattern());
        }

        @Override
        public int hashCode() {
            return field.hashCode() * 31 + regex.pattern().hashCode();
        }
    }

    /** {@code {field: F, contains: "..."}}: substring, case-sensitive. */
    record Contains(String field, String text) implements Condition {
        @Override
        public boolean test(LogEvent event) {
            Object actual = event.get(field);
            return actual != null && String.valueOf(actual).contains(text);
        }
    }

    /** {@code {field: F, gt|gte|lt|lte: N}}. A value that is not a number (nor a numeric string) fails. */
    record Compare(String field, Op op, double bound) implements Condition {
        public enum Op {
            GT("gt"), GTE("gte"), LT("lt"), LTE("lte");

            public final String key;

            Op(String key) {
                this.key = key;
            }
        }

        @Override
        public boolean test(LogEvent event) {
            Double actual = Values.number(event.get(field));
            if (actual == null) {
                return false;
            }
            int c = Double.compare(actual, bound);
            return switch (op) {
                case GT -> c > 0;
                case GTE -> c >= 0;
                case LT -> c < 0;
                case LTE -> c <= 0;
            };
        }
    }

    /** {@code {field: F, exists: true|false}}: whether the field has a (non-null) value. */
    record Exists(String field, boolean expected) implements Condition {
        @Override
        public boolean test(LogEvent event) {
            return (event.get(field) != null) == expected;
        }
    }

    /** {@code {all: [..]}}. */
    record All(List<Condition> conditions) implements Condition {
        public All {
            conditions = List.copyOf(conditions);
        }

        @Override
        public boolean test(LogEvent event) {
            for (Condition c : conditions) {
                if (!c.test(event)) {
                    return false;
                }
            }
            return true;
        }
    }

    /** {@code {any: [..]}}. */
    record Any(List<Condition> conditions) implements Condition {
        public Any {
            conditions = List.copyOf(conditions);
        }

        @Override
        public boolean test(LogEvent event) {
            for (Condition c : conditions) {
                if (c.test(event)) {
                    return true;
                }
            }
            return false;
        }
    }

    /** {@code {not: {...}}}. */
    record Not(Condition condition) implements Condition {
        @Override
        public boolean test(LogEvent event) {
            return !condition.test(event);
        }
    }

    /** Value comparisons shared by the leaf conditions. */
    final class Values {
        private Values() {
        }

        /** The operator keys a leaf condition may use, beside {@code field}. */
        static final Set<String> LEAF_OPERATORS =
                Set.of("equals", "in", "regex", "contains", "gt", "gte", "lt", "lte", "exists");

        static boolean sameValue(Object actual, String expected) {
            if (actual == null) {
                return false;
            }
            String text = String.valueOf(actual);
            if (text.equals(expected)) {
                return true;
            }
            // 500 written in YAML and "500.0" or 500L in the event are the same number.
            Double a = number(actual);
            Double b = number(expected);
            return a != null && b != null && a.doubleValue() == b.doubleValue();
        }

        /** The value as a number: numbers as they are, numeric strings parsed, anything else null. */
        /** Cheap test first: most strings are words, and a failed parse costs an exception. */
        private static boolean looksNumeric(String s) {
            String t = s.trim();
            if (t.isEmpty() || t.length() > 40) {
                return false;
            }
            char c = t.charAt(0);
            return (c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.';
        }

        static Double number(Object value) {
            if (value instanceof Number n) {
                return n.doubleValue();
            }
            if (value instanceof String s && looksNumeric(s)) {
                try {
                    double d = Double.parseDouble(s.trim());
                    return Double.isNaN(d) ? null : d;
                } catch (NumberFormatException e) {
                    return null;
                }
            }
            return null;
        }
    }
}
