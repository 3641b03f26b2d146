package io.dls.contracts;

import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Optional;

/**
 * Elasticsearch index and template names (contract 3): daily {@code logs-YYYY.MM.DD} by event time (UTC),
 * monthly {@code alerts-YYYY.MM}. The Kibana saved objects and the retention of old indices depend on them.
 */
public final class IndexNames {
    public static final String LOGS_PREFIX = "logs-";
    public static final String ALERTS_PREFIX = "alerts-";
    public static final String LOGS_PATTERN = LOGS_PREFIX + "*";
    public static final String ALERTS_PATTERN = ALERTS_PREFIX + "*";
    /** The composable index templates the index job installs. */
    public static final String LOGS_TEMPLATE = "dls-logs";
    public static final String ALERTS_TEMPLATE = "dls-alerts";

    private static final DateTimeFormatter DAY = DateTimeFormatter.ofPattern("uuuu.MM.dd").withResolverStyle(java.time.format.ResolverStyle.STRICT);
    private static final DateTimeFormatter MONTH = DateTimeFormatter.ofPattern("uuuu.MM");
    private static final long DAY_MILLIS = 86_400_000L;

    /** The last day's name: nearly every event of a stream falls on the same day as the one before. */
    private static volatile Day lastDay = new Day(Long.MIN_VALUE, null);

    private record Day(long startMillis, String index) {
    }

    private IndexNames() {
    }

    /** logs-YYYY.MM.DD of the UTC day the instant falls on. */
    public static String logs(long epochMillis) {
        Day d = lastDay;
        if (d.index != null && epochMillis >= d.startMillis && epochMillis - d.startMillis < DAY_MILLIS) {
            return d.index;
        }
        long start = Math.floorDiv(epochMillis, DAY_MILLIS) * DAY_MILLIS;
        d = new Day(start, LOGS_PREFIX + DAY.format(LocalDate.ofEpochDay(Math.floorDiv(epochMillis, DAY_MILLIS))));
        lastDay = d;
        return d.index;
    }

    /** alerts-YYYY.MM of the UTC month the instant falls on. */
    public static String alerts(long epochMillis) {
        return ALERTS_PREFIX + MONTH.format(LocalDate.ofEpochDay(Math.floorDiv(epochMillis, DAY_MILLIS)));
    }

    /**
     * The daily index of an ISO-8601 UTC timestamp as the jobs write {@code @timestamp}
     * ({@code 2026-12-01T13:52:52.123456789Z}), from its date part without parsing the rest; empty when the text
     * does not start with a date.
     */
    public static Optional<String> logsOfTimestamp(String isoUtc) {
        return dayPart(isoUtc).map(d -> LOGS_PREFIX + d);
    }

    /** alerts-YYYY.MM of an ISO-8601 UTC timestamp, as {@link #logsOfTimestamp}. */
    public static Optional<String> alertsOfTimestamp(String isoUtc) {
        return dayPart(isoUtc).map(d -> ALERTS_PREFIX + d.substring(0, 7));
    }

    /** "YYYY.MM.DD" of a text that starts with "YYYY-MM-DDT". */
    private static Optional<String> dayPart(String s) {
        if (s == null || s.length() < 11 || s.charAt(4) != '-' || s.charAt(7) != '-' || s.charAt(10) != 'T') {
            return Optional.empty();
        }
        for (int i : new int[]{0, 1, 2, 3, 5, 6, 8, 9}) {
            if (s.charAt(i) < '0' || s.charAt(i) > '9') {
                return Optional.empty();
            }
        }
        return Optional.of(s.substring(0, 4) + '.' + s.substring(5, 7) + '.' + s.substring(8, 10));
    }

    /** The day of a daily logs index, or empty for any other name (an operator's own index, a typo). */
    public static Optional<LocalDate> logsDay(String index) {
        if (!index.startsWith(LOGS_PREFIX) || index.length() != LOGS_PREFIX.length() + 10) {
            return Optional.empty();
        }
        try {
            return Optional.of(LocalDate.parse(index.substring(LOGS_PREFIX.length()), DAY));
        } catch (DateTimeParseException e) {
            return Optional.empty();
        }
    }

    /** The start of the UTC day, for tests and retention. */
    public static long startOfDayMillis(LocalDate day) {
        return day.atStartOfDay(ZoneOffset.UTC).toInstant().toEpochMilli();
    }
}
