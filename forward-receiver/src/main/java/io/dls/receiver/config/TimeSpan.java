package io.dls.receiver.config;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A duration as Fluentd writes it: 30 (seconds), "500ms", "30s", "5m", "1h", "1d"; 0 means never. */
public record TimeSpan(Duration duration) {
    private static final Pattern FORM = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*(ms|s|m|h|d)?");

    @JsonCreator
    public static TimeSpan parse(Object value) {
        String s = String.valueOf(value).trim();
        Matcher m = FORM.matcher(s);
        if (!m.matches()) {
            throw new IllegalArgumentException("'" + s + "' is not a duration; write e.g. 500ms, 30s, 5m or 1h");
        }
        double n = Double.parseDouble(m.group(1));
        String unit = m.group(2) == null ? "s" : m.group(2);
        double ms = switch (unit) {
            case "ms" -> n;
            case "m" -> n * 60_000;
            case "h" -> n * 3_600_000;
            case "d" -> n * 86_400_000;
            default -> n * 1000;
        };
        return new TimeSpan(Duration.ofMillis((long) ms));
    }

    public boolean isZero() {
        return duration.isZero();
    }

    @JsonValue
    public String text() {
        return duration.toMillis() + "ms";
    }
}
