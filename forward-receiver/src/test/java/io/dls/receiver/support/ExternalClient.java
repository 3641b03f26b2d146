package io.dls.receiver.support;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs a third-party forward client (Python, Node) as its own process. The clients live in
 * src/test/clients and are installed by .ci/run (python3-fluent-logger from Debian, npm ci there).
 */
public final class ExternalClient {
    public static final File CLIENTS = new File("src/test/clients");

    private ExternalClient() {
    }

    public record Result(int exitCode, String output) {
    }

    public static Result node(String jsonArgs) {
        if (!new File(CLIENTS, "node_modules/@fluent-org/logger").isDirectory()) {
            throw new IllegalStateException("npm client missing: run 'npm ci --prefix forward-receiver/src/test/clients'"
                    + " (.ci/run does this)");
        }
        return run(List.of("node", "node-client.js", jsonArgs));
    }

    public static Result python(String jsonArgs) {
        // Debian's interpreter: python3-fluent-logger installs into its dist-packages.
        return run(List.of("/usr/bin/python3", "python-client.py", jsonArgs));
    }

    private static Result run(List<String> cmd) {
        try {
            Process p = new ProcessBuilder(new ArrayList<>(cmd)).directory(CLIENTS).redirectErrorStream(true).start();
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException(cmd + " did not finish in 60 s");
            }
            return new Result(p.exitValue(), new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new IllegalStateException("cannot run " + cmd + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
