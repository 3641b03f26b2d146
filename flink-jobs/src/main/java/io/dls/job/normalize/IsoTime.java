package io.dls.job.normalize;

import java.time.Instant;

/**
 * {@link Instant#toString()} of an event time, without its formatter for every event: the text up to the
 * seconds is kept from the last call (a stream's events come second after second), only the fraction is
 * written each time, with the digits ISO_INSTANT uses (none, 3, 6 or 9).
 */
final class IsoTime {
    /** Per thread: the last second and its text, e.g. "2026-11-24T12:00:01". */
    private static final ThreadLocal<Last> LAST = ThreadLocal.withInitial(Last::new);

    private static final class Last {
        long second = Long.MIN_VALUE;
        String text;
    }

    private IsoTime() {
    }

    static String of(long seconds, int nanos) {
        Last last = LAST.get();
        if (last.second != seconds) {
            String full = Instant.ofEpochSecond(seconds).toString(); // "...:ssZ"
            last.text = full.substring(0, full.length() - 1);
            last.second = seconds;
        }
        if (nanos == 0) {
            return last.text + "Z";
        }
        StringBuilder b = new StringBuilder(last.text.length() + 11).append(last.text).append('.');
        if (nanos % 1_000_000 == 0) {
            digits(b, nanos / 1_000_000, 3);
        } else if (nanos % 1000 == 0) {
            digits(b, nanos / 1000, 6);
        } else {
            digits(b, nanos, 9);
        }
        return b.append('Z').toString();
    }

    private static void digits(StringBuilder b, int value, int width) {
        String s = Integer.toString(value);
        for (int i = s.length(); i < width; i++) {
            b.append('0');
        }
        b.append(s);
    }
}
