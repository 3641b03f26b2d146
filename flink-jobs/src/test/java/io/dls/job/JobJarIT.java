package io.dls.job;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** The shaded job jar's command line, run as a process the way an operator runs it. */
class JobJarIT {
    private static final File JAR = new File("target/flink-jobs.jar");

    @TempDir
    Path dir;

    private record Run(int code, String output) {
    }

    private Run java(String classPath, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-opens=java.base/java.util=ALL-UNNAMED", "--add-opens=java.base/java.lang=ALL-UNNAMED"));
        if (classPath == null) {
            cmd.addAll(List.of("-jar", JAR.getAbsolutePath()));
        } else {
            cmd.addAll(List.of("-cp", classPath, "io.dls.job.Main"));
        }
        cmd.addAll(List.of(args));
        Path log = dir.resolve("out-" + System.nanoTime() + ".log");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        assertThat(p.waitFor(180, TimeUnit.SECONDS)).as("finishes").isTrue();
        return new Run(p.exitValue(), Files.readString(log, StandardCharsets.UTF_8));
    }

    @Test
    void helpNamesTheOptions() throws Exception {
        Run r = java(null, "--help");
        assertThat(r.code()).isZero();
        assertThat(r.output()).contains("--kafka-bootstrap", "--es-hosts", "--patterns", "--critical-level",
                "--delivery", "--config");
    }

    @Test
    void validateTheShippedPatternsWithoutFlink() throws Exception {
        Run r = java(null, "patterns", "validate", "../alert-patterns");
        assertThat(r.code()).as(r.output()).isZero();
        assertThat(r.output()).contains("ok  error-burst", "ok  heartbeat-timeout", "pattern(s) valid");
        assertThat(r.output()).as("no SLF4J notice about a missing binding").doesNotContain("SLF4J");
    }

    @Test
    void validateNamesFileLineAndField() throws Exception {
        Path bad = Files.createDirectories(dir.resolve("bad"));
        Files.writeString(bad.resolve("burst.yaml"), """
                name: burst
                key: service.name
                severity: critical
                topic: critical_logs
                within: 30s
                steps:
                  - where: {field: log.level, equals: ERROR}
                    times: -1
                """);
        Run r = java(null, "patterns", "validate", bad.toString());
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.output()).contains("burst.yaml:8: field 'steps[0].times': must be a positive integer, was -1")
                .doesNotContain("SLF4J");
    }

    @Test
    void dryRunPrintsTheAlertsOfTheSample() throws Exception {
        String cp = JAR.getAbsolutePath() + File.pathSeparator
                + System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        Run r = java(cp, "patterns", "dry-run", "../alert-patterns", "../alert-patterns/samples/demo.jsonl");
        assertThat(r.code()).as(r.output()).isZero();
        assertThat(r.output()).contains("\"rule\":{\"name\":\"error-burst\"}", "\"rule\":{\"name\":\"fatal\"}",
                "\"rule\":{\"name\":\"node-down\"}", "\"rule\":{\"name\":\"heartbeat-timeout\"}",
                "\"rule\":{\"name\":\"payment-retry-then-failure\"}");
    }
}
