package io.dls.job.support;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The shipped alert patterns (../alert-patterns), copied and aimed at one test's or run's own topics. */
public final class ShippedPatterns {
    private ShippedPatterns() {
    }

    /**
     * @param topicPrefix     prefixed to critical_logs and node_failure
     * @param heartbeatWithin replaces the heartbeat timeout's 15 s window, or null to keep it
     * @return {@code into}, holding the copies
     */
    public static Path copy(Path into, String topicPrefix, String heartbeatWithin) throws IOException {
        Files.createDirectories(into);
        try (var files = Files.list(Path.of("../alert-patterns"))) {
            for (Path f : files.filter(f -> f.toString().endsWith(".yaml")).toList()) {
                String text = Files.readString(f)
                        .replace("topic: critical_logs", "topic: " + topicPrefix + "critical_logs")
                        .replace("topic: node_failure", "topic: " + topicPrefix + "node_failure");
                if (heartbeatWithin != null && f.getFileName().toString().equals("heartbeat-timeout.yaml")) {
                    text = text.replace("within: 15s", "within: " + heartbeatWithin);
                }
                Files.writeString(into.resolve(f.getFileName()), text);
            }
        }
        return into;
    }
}
