package io.dls.receiver.sink;

import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Bounds the bytes handed to the store and not yet acknowledged. Producers never wait here: they ask
 * {@link #isFull()} and, when it is, park a resume action (turning a socket's autoRead back on) that runs
 * once the backlog has drained below half of the limit. This keeps memory flat under any load and pushes
 * backpressure to the clients' TCP windows instead of to a queue.
 */
public final class InFlightGate {
    private final long limit;
    private final long resumeBelow;
    private final AtomicLong bytes = new AtomicLong();
    private final Queue<Runnable> parked = new ConcurrentLinkedQueue<>();

    public InFlightGate(long limitBytes) {
        if (limitBytes < 1024) {
            throw new IllegalArgumentException("max_bytes_in_flight must be at least 1 KiB, was " + limitBytes);
        }
        this.limit = limitBytes;
        this.resumeBelow = limitBytes / 2;
    }

    public void acquire(long n) {
        bytes.addAndGet(n);
    }

    public void release(long n) {
        long now = bytes.addAndGet(-n);
        if (now <= resumeBelow && !parked.isEmpty()) {
            Runnable r;
            while ((r = parked.poll()) != null) {
                r.run();
            }
        }
    }

    public boolean isFull() {
        return bytes.get() >= limit;
    }

    /**
     * Runs {@code resume} once the backlog drains; at once if it already has (the check after parking
     * closes the race with a release that happened in between).
     */
    public void parkUntilDrained(Runnable resume) {
        parked.add(resume);
        if (bytes.get() <= resumeBelow && parked.remove(resume)) {
            resume.run();
        }
    }

    public long bytesInFlight() {
        return bytes.get();
    }

    public long limit() {
        return limit;
    }
}
