package io.dls.job.patterns;

import io.dls.job.normalize.LogEvent;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/** Small builders of normalized events for the pattern tests. */
final class TestEvents {

    /** 2026-01-01T00:00:00Z: test times are seconds after it. */
    static final long T0 = Instant.parse("2026-01-01T00:00:00Z").toEpochMilli();

    private static final AtomicInteger IDS = new AtomicInteger();

    private TestEvents() {
    }

    /** The shipped alert-patterns directory (Surefire runs in the module directory). */
    static Path shippedPatterns() {
        for (Path p : new Path[] {Path.of("alert-patterns"), Path.of("../alert-patterns")}) {
            if (Files.isDirectory(p)) {
                return p;
            }
        }
        throw new IllegalStateException("alert-patterns not found from " + Path.of("").toAbsolutePath());
    }

    static LogEvent log(double second, String service, String host, String level, String message) {
        LogEvent e = new LogEvent();
        e.epochMillis = T0 + Math.round(second * 1000);
        e.timestamp = Instant.ofEpochMilli(e.epochMillis).toString();
        e.service = service;
        e.host = host;
        e.level = level;
        e.message = message;
        e.kind = LogEvent.KIND_EVENT;
        e.type = "LOG";
        e.dataset = "app." + service;
        e.eventId = "ev-" + IDS.incrementAndGet();
        e.fields = new LinkedHashMap<>();
        return e;
    }

    static LogEvent heartbeat(double second, String host, String status) {
        LogEvent e = log(second, "agent", host, "INFO", "heartbeat");
        e.kind = LogEvent.KIND_STATE;
        e.type = "HEARTBEAT";
        e.status = status;
        return e;
    }

    static LogEvent registration(double second, String host) {
        LogEvent e = log(second, "agent", host, "INFO", "registration");
        e.kind = LogEvent.KIND_STATE;
        e.type = "REGISTRATION";
        return e;
    }

    static LogEvent deregistration(double second, String host) {
        LogEvent e = log(second, "agent", host, "INFO", "deregistration");
        e.kind = LogEvent.KIND_STATE;
        e.type = "DEREGISTRATION";
        return e;
    }

    static LogEvent withFields(LogEvent e, Map<String, Object> fields) {
        e.fields = new LinkedHashMap<>(fields);
        return e;
    }
}
