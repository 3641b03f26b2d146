package io.dls.system;

import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;

/**
 * One {@code ./dls up} stack for every system IT class in this JVM: starting one takes about 80 s on a 2-core
 * machine, so {@link DlsIT}, {@link FaultsIT} and {@link DlsDownIT} share it, in that order (their {@code @Order},
 * by junit-platform.properties): the checks of a freshly started system first, the faults next, {@code ./dls down}
 * last. JUnit stops it after the last class that used it, whichever classes ran (down only if still up).
 */
final class SharedDlsStack implements BeforeAllCallback {
    private static DlsStack stack;

    @Override
    public void beforeAll(ExtensionContext context) {
        context.getRoot().getStore(ExtensionContext.Namespace.GLOBAL)
                .getOrComputeIfAbsent(SharedDlsStack.class, k -> start(), ExtensionContext.Store.CloseableResource.class);
    }

    /** The stack, once {@link #beforeAll} started it. */
    static DlsStack get() {
        return Objects.requireNonNull(stack, "not started: the class needs @ExtendWith(SharedDlsStack.class)");
    }

    /** Starts the stack; what it returns is closed by JUnit at the end. */
    private static ExtensionContext.Store.CloseableResource start() {
        try {
            Path conf = Files.createTempFile("job-", ".yaml");
            // Frequent checkpoints, so a restore after a fault (FaultsIT) replays seconds, not minutes.
            Files.writeString(conf, "checkpoint-interval: 2000\n");
            stack = DlsStack.up("--job-config", conf.toString());
            return stack::downIfUp;
        } catch (Exception e) {
            throw new IllegalStateException("./dls up failed: " + e.getMessage(), e);
        }
    }
}
