package io.dls.receiver.codec;

import io.netty.util.internal.PlatformDependent;

import java.util.concurrent.atomic.AtomicLong;

/**
 * One budget for the bytes all connections hold in frames that have not fully arrived. Without it, 100
 * connections each sending 30 MiB of a frame and then nothing made the JVM throw "OutOfMemoryError: Cannot
 * reserve ... bytes of direct buffer memory" (Netty keeps a half frame in a direct buffer), and with the JVM's
 * default limits held gigabytes. A connection whose half frame would take the total over the budget is closed
 * instead ({@link ForwardFrameDecoder}); its client resends, and every other connection goes on.
 */
public final class PartialFrameBudget {
    /**
     * A connection may hold this much whatever the others hold: one socket read. So small frames of a
     * well-behaved client are never refused because a few big half frames took the budget.
     */
    static final long FREE_PER_CONNECTION = 64 * 1024;

    private final long limit;
    private final AtomicLong held = new AtomicLong();

    public PartialFrameBudget(long limitBytes) {
        if (limitBytes < FREE_PER_CONNECTION) {
            throw new IllegalArgumentException("max_partial_frame_bytes must be at least 64k, was " + limitBytes);
        }
        this.limit = limitBytes;
    }

    /**
     * The budget for {@code configured} bytes, or for 0 a third of the JVM's direct memory limit: a buffer
     * that grows is copied into one of twice the size (old and new briefly both held), and Netty's socket
     * reads need direct memory of their own.
     */
    public static PartialFrameBudget of(long configured) {
        return new PartialFrameBudget(configured > 0 ? configured : defaultLimit());
    }

    public static long defaultLimit() {
        return Math.max(FREE_PER_CONNECTION, PlatformDependent.maxDirectMemory() / 3);
    }

    /**
     * Moves a connection's holding from {@code before} to {@code after} bytes.
     *
     * @return false when the connection holds more than its free share and the total is now over the budget
     *         (the change is recorded either way; the caller releases it when it closes the connection)
     */
    boolean change(long before, long after) {
        long total = held.addAndGet(after - before);
        return after <= FREE_PER_CONNECTION || total <= limit;
    }

    public long heldBytes() {
        return held.get();
    }

    public long limit() {
        return limit;
    }
}
