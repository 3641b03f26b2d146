package io.dls.receiver.config;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A size as Fluentd writes it: 1024, "8k", "32m", "1g", also "32MiB" / "32MB" (all binary units). */
public record ByteSize(long bytes) {
    private static final Pattern FORM = Pattern.compile("(\\d+)\\s*([kmgt]?)(i?b)?", Pattern.CASE_INSENSITIVE);

    @JsonCreator
    public static ByteSize parse(Object value) {
        if (value instanceof Number n) {
            return new ByteSize(n.longValue());
        }
        String s = String.valueOf(value).trim();
        Matcher m = FORM.matcher(s);
        if (!m.matches()) {
            throw new IllegalArgumentException("'" + s + "' is not a size; write e.g. 1048576, 512k, 32m or 1g");
        }
        long n = Long.parseLong(m.group(1));
        int shift = switch (m.group(2).toLowerCase(Locale.ROOT)) {
            case "k" -> 10;
            case "m" -> 20;
            case "g" -> 30;
            case "t" -> 40;
            default -> 0;
        };
        return new ByteSize(n << shift);
    }

    @JsonValue
    public long bytes() {
        return bytes;
    }
}
