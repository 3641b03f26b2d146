package io.dls.launcher.demo;

import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Durations as people type them on a command line: {@code 90s}, {@code 2m}, {@code 500ms}, {@code 1m30s},
 * {@code 1h}; a bare number is seconds and {@code 0} is zero. ISO-8601 ({@code PT5S}) is accepted too, so a
 * value copied from a Java log still works. Shared by the demo and tail commands.
 */
public final class DurationConverter implements ITypeConverter<Duration> {
    private static final Pattern PART = Pattern.compile("(\\d+(?:\\.\\d+)?)(ms|s|m|h|d)");

    @Override
    public Duration convert(String value) {
        return parse(value);
    }

    public static Duration parse(String value) {
        String s = value == null ? "" : value.trim().toLowerCase(java.util.Locale.ROOT);
        if (s.isEmpty()) {
            throw invalid(value);
        }
        if (s.startsWith("pt") || s.startsWith("p")) {
            try {
                return nonNegative(Duration.parse(s.toUpperCase(java.util.Locale.ROOT)), value);
            } catch (java.time.format.DateTimeParseException e) {
                throw invalid(value);
            }
        }
        if (s.matches("\\d+(\\.\\d+)?")) {
            return Duration.ofNanos(Math.round(Double.parseDouble(s) * 1e9));
        }
        Matcher m = PART.matcher(s);
        Duration total = Duration.ZERO;
        int end = 0;
        while (m.find()) {
            if (m.start() != end) {
                throw invalid(value);
            }
            end = m.end();
            double n = Double.parseDouble(m.group(1));
            double nanosPerUnit = switch (m.group(2)) {
                case "ms" -> 1e6;
                case "s" -> 1e9;
                case "m" -> 60e9;
                case "h" -> 3600e9;
                default -> 86400e9;
            };
            total = total.plusNanos(Math.round(n * nanosPerUnit));
        }
        if (end != s.length()) {
            throw invalid(value);
        }
        return total;
    }

    /** The short form this converter reads back: 90s, 1m30s, 500ms, 0s. */
    public static String format(Duration d) {
        if (d.isZero()) {
            return "0s";
        }
        StringBuilder b = new StringBuilder();
        long h = d.toHours();
        int m = d.toMinutesPart();
        int s = d.toSecondsPart();
        int ms = d.toMillisPart();
        if (h > 0) {
            b.append(h).append('h');
        }
        if (m > 0) {
            b.append(m).append('m');
        }
        if (s > 0) {
            b.append(s).append('s');
        }
        if (ms > 0) {
            b.append(ms).append("ms");
        }
        return b.length() == 0 ? d.toNanos() + "ns" : b.toString();
    }

    private static Duration nonNegative(Duration d, String value) {
        if (d.isNegative()) {
            throw invalid(value);
        }
        return d;
    }

    private static TypeConversionException invalid(String value) {
        return new TypeConversionException("'" + value + "' is not a duration; use e.g. 90s, 2m, 500ms or 1m30s");
    }
}
