package io.dls.launcher.demo;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Ends a run at its deadline or on Ctrl-C / SIGTERM, and lets the JVM exit only after the run cleaned up:
 * the shutdown hook asks for the stop and then waits for {@link #finished()}, because a JVM that is
 * shutting down does not wait for the main thread by itself.
 */
public final class StopSignal {
    private final CountDownLatch requested = new CountDownLatch(1);
    private final CountDownLatch done = new CountDownLatch(1);
    private final Thread hook = new Thread(this::onShutdown, "stop-signal");
    private final Duration cleanupTime;

    public StopSignal(Duration cleanupTime) {
        this.cleanupTime = cleanupTime;
    }

    private volatile Runnable onShutdown = () -> { };

    public StopSignal install() {
        Runtime.getRuntime().addShutdownHook(hook);
        return this;
    }

    /** Also runs {@code action} when the JVM is asked to stop, e.g. to wake a thread blocked in a poll. */
    public StopSignal install(Runnable action) {
        onShutdown = action;
        return install();
    }

    private void onShutdown() {
        requested.countDown();
        onShutdown.run();
        try {
            done.await(cleanupTime.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Waits until {@code deadline} passed (zero: no deadline); true if a stop was requested before it. */
    public boolean await(Duration deadline) throws InterruptedException {
        if (deadline.isZero()) {
            requested.await();
            return true;
        }
        return requested.await(deadline.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Cleanup is over: the hook may return, and is removed if the JVM is not exiting anyway. */
    public void finished() {
        done.countDown();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            // the hook is running; it returns now that done is counted down
        }
    }
}
