package io.dls.job.index;

import java.util.concurrent.atomic.AtomicLong;

/** Says yes at most once per interval: a line a minute about an outage, not a line a try. */
final class RateLimitedLog {
    private final long intervalNanos;
    private final AtomicLong last = new AtomicLong(Long.MIN_VALUE);
    private final AtomicLong suppressed = new AtomicLong();

    RateLimitedLog(java.time.Duration interval) {
        this.intervalNanos = interval.toNanos();
    }

    /** Whether to log now; otherwise the event is counted for {@link #suppressedSinceLast}. */
    boolean allow() {
        long now = System.nanoTime();
        long prev = last.get();
        if ((prev == Long.MIN_VALUE || now - prev >= intervalNanos) && last.compareAndSet(prev, now)) {
            return true;
        }
        suppressed.incrementAndGet();
        return false;
    }

    /** How many were not logged since the last line (and resets the count). */
    long suppressedSinceLast() {
        return suppressed.getAndSet(0);
    }
}
