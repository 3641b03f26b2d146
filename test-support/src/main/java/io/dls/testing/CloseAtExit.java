package io.dls.testing;

import java.time.Duration;

/**
 * Closes a shared test server when the test JVM exits, within a time limit. Surefire halts a fork with exit
 * code 1 when its shutdown hooks run longer than forkedProcessExitTimeoutInSeconds, and the build then fails
 * with "Error occurred in starting fork" although every test passed; a broker or node that is slow to stop
 * on a busy machine must not do that. Past the limit the JVM exits without waiting and says so.
 */
public final class CloseAtExit {
    /** Well under the forks' forkedProcessExitTimeoutInSeconds (the parent pom sets it). */
    static final Duration LIMIT = Duration.ofSeconds(45);

    /** What to run; may throw. */
    @FunctionalInterface
    public interface Action {
        void run() throws Exception;
    }

    private CloseAtExit() {
    }

    public static void register(String what, Action close) {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            long start = System.nanoTime();
            Thread closer = new Thread(() -> {
                try {
                    close.run();
                } catch (Exception e) {
                    System.err.println(what + ": closing failed at exit: " + e);
                }
            }, "close-at-exit-" + what);
            closer.setDaemon(true);
            closer.start();
            try {
                closer.join(LIMIT.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            long ms = (System.nanoTime() - start) / 1_000_000;
            if (closer.isAlive()) {
                System.err.println(what + ": still closing after " + ms + " ms; the JVM exits without waiting");
            } else if (ms > 5_000) {
                System.err.println(what + ": closed at exit in " + ms + " ms");
            }
        }, "close-at-exit-hook-" + what));
    }
}
