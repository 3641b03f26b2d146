package io.dls.job;

import io.dls.job.patterns.CompiledPattern;
import io.dls.job.patterns.Condition;
import io.dls.job.patterns.PatternCompiler;
import io.dls.job.patterns.PatternLoader;
import io.dls.job.patterns.PatternSpec;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The pipeline job's graph does not grow with the number of patterns: 500 patterns make as many operators,
 * tasks and exchanges as the shipped 5 (each pattern used to add a filter, a key-by, a CEP and a suppression
 * operator: 500 patterns made 1,007 tasks that a ./dls TaskManager could not deploy).
 */
class JobGraphSizeTest {

    private static final Path SHIPPED = Path.of("..", "alert-patterns");

    @Test
    void fiveHundredPatternsMakeTheGraphOfFive() throws Exception {
        List<CompiledPattern> shipped = PatternCompiler.compileAll(PatternLoader.loadDirectory(SHIPPED), false);
        List<CompiledPattern> many = new ArrayList<>(shipped);
        for (int i = 0; many.size() < 500; i++) {
            many.add(PatternCompiler.compile(burst("generated-" + i, "svc-" + i), false));
        }
        JobGraphSize five = JobGraphSize.of(shipped, 2);
        JobGraphSize fiveHundred = JobGraphSize.of(many, 2);

        assertThat(fiveHundred.operators()).isEqualTo(five.operators());
        assertThat(fiveHundred.tasks()).isEqualTo(five.tasks());
        assertThat(fiveHundred.exchanges()).isEqualTo(five.exchanges());
        assertThat(five.tasks()).as("a small job: a handful of vertices at parallelism 2").isBetween(4, 30);
        assertThat(JobGraphSize.of(List.of(), 2).tasks()).isLessThanOrEqualTo(five.tasks());
    }

    @Test
    void validatePrintsTheSizeOfTheJob() throws Exception {
        Path dir = Files.createTempDirectory("patterns");
        Files.copy(SHIPPED.resolve("error-burst.yaml"), dir.resolve("error-burst.yaml"));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrintStream previous = System.out;
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        try {
            PatternsCommand.main(new String[]{"validate", "--parallelism", "2", dir.toString()}); // exits unless 0
        } finally {
            System.setOut(previous);
        }
        assertThat(out.toString(StandardCharsets.UTF_8))
                .contains("ok  error-burst")
                .containsPattern("the pipeline job with 1 pattern\\(s\\): \\d+ operators in \\d+ tasks at parallelism 2");
    }

    private static PatternSpec burst(String name, String service) {
        return new PatternSpec(name, name, "host.name", PatternSpec.Severity.CRITICAL, "critical_logs",
                Duration.ofSeconds(30), Duration.ofMinutes(1), PatternSpec.TimeMode.PROCESSING, "{count} errors",
                List.of(new PatternSpec.Step("errors", new Condition.All(List.of(
                        new Condition.Equals("service.name", service),
                        new Condition.In("log.level", List.of("ERROR", "FATAL")))),
                        new PatternSpec.Quantifier(PatternSpec.Quantifier.Kind.TIMES, 5), null)),
                null, name + ".yaml");
    }
}
