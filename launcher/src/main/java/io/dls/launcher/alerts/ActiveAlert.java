package io.dls.launcher.alerts;

import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * One active alert as {@code ./dls alerts} prints it, whichever source it came from.
 *
 * @param labels  the identifying labels besides alertname and severity ({@code service=payment})
 * @param state   Alertmanager's {@code status.state} (active, suppressed, unprocessed); null from the topic
 */
public record ActiveAlert(String severity, String name, Map<String, String> labels, Instant since, String summary,
                          String state) {
    private static final List<String> SEVERITIES = List.of("critical", "warning", "info");

    public ActiveAlert {
        labels = new TreeMap<>(labels);
    }

    /** Most severe first (critical, warning, info, anything else), then the oldest first, then by name. */
    public static final Comparator<ActiveAlert> MOST_SEVERE_FIRST = Comparator
            .comparingInt((ActiveAlert a) -> rank(a.severity))
            .thenComparing(ActiveAlert::since, Comparator.nullsLast(Comparator.naturalOrder()))
            .thenComparing(ActiveAlert::name)
            .thenComparing(a -> a.labels.toString());

    static int rank(String severity) {
        int i = severity == null ? -1 : SEVERITIES.indexOf(severity.toLowerCase(Locale.ROOT));
        return i < 0 ? SEVERITIES.size() : i;
    }

    /** {@code CRITICAL  error-burst  service=payment  since 2026-12-01T14:02:03Z  5 errors from payment}. */
    public String line() {
        StringBuilder b = new StringBuilder();
        b.append(String.format(Locale.ROOT, "%-8s  %s", severity == null ? "-" : severity.toUpperCase(Locale.ROOT), name));
        labels.forEach((k, v) -> b.append("  ").append(k).append('=').append(v));
        if (since != null) {
            b.append("  since ").append(since);
        }
        if (summary != null && !summary.isBlank()) {
            b.append("  ").append(summary.replaceAll("\\s+", " ").trim());
        }
        if (state != null && !state.equals("active")) {
            b.append("  [").append(state).append(']');
        }
        return b.toString();
    }
}
