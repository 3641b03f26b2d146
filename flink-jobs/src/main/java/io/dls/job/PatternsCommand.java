package io.dls.job;

import io.dls.job.normalize.AliasConfig;
import io.dls.job.normalize.EventIds;
import io.dls.job.normalize.LogEvent;
import io.dls.job.normalize.Normalizer;
import io.dls.job.patterns.Alert;
import io.dls.job.patterns.DryRun;
import io.dls.job.patterns.PatternException;
import io.dls.job.patterns.PatternLoader;
import io.dls.job.patterns.PatternSpec;
import io.dls.job.route.Json;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.BufferedReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code patterns validate DIR} and {@code patterns dry-run DIR SAMPLE.jsonl}: no Kafka, no Elasticsearch. */
@Command(name = "patterns", mixinStandardHelpOptions = true, synopsisSubcommandLabel = "(validate | dry-run)",
        description = "Check alert pattern files, or run them over a JSON-lines sample of log records.",
        subcommands = {PatternsCommand.Validate.class, PatternsCommand.DryRunCommand.class})
final class PatternsCommand implements Runnable {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(), "say which: validate or dry-run");
    }

    static void main(String[] args) {
        quietSlf4jWithoutBinding();
        int code = new picocli.CommandLine(new PatternsCommand()).execute(args);
        if (code != 0) {
            System.exit(code);
        }
    }

    /**
     * Run as {@code java -jar flink-jobs.jar}, the jar has SLF4J (the pattern schema validator logs through it)
     * but no binding, and SLF4J's first use prints three lines about that before the first problem. Nothing
     * would be logged anyway, so SLF4J picks its no-op logger here with stderr muted. With a binding on the
     * class path (Flink's, under ./dls) this does nothing.
     */
    static void quietSlf4jWithoutBinding() {
        try {
            Class.forName("org.slf4j.impl.StaticLoggerBinder", false, PatternsCommand.class.getClassLoader());
            return;
        } catch (ClassNotFoundException | LinkageError e) {
            // no binding: quiet it below
        }
        PrintStream err = System.err;
        System.setErr(new PrintStream(java.io.OutputStream.nullOutputStream()));
        try {
            org.slf4j.LoggerFactory.getILoggerFactory();
        } finally {
            System.setErr(err);
        }
    }

    /** True when Flink's classes are on the class path (inside `flink run`, ./dls, or tests). */
    static boolean flinkPresent() {
        try {
            Class.forName("org.apache.flink.cep.pattern.Pattern", false, PatternsCommand.class.getClassLoader());
            Class.forName("org.apache.flink.api.common.functions.Function", false, PatternsCommand.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
    }

    @Command(name = "validate", mixinStandardHelpOptions = true,
            description = "Load and compile every *.yaml in DIR; print each problem with file, line and field.")
    static final class Validate implements Callable<Integer> {
        @Parameters(paramLabel = "DIR", description = "directory of pattern files")
        Path dir;

        @Option(names = "--parallelism", defaultValue = "1",
                description = "the job's parallelism, for the count of tasks (default: ${DEFAULT-VALUE})")
        int parallelism;

        @Override
        public Integer call() {
            List<PatternSpec> specs = validate(dir, System.out, System.err);
            if (specs == null) {
                return 1;
            }
            if (flinkPresent()) {
                System.out.println(JobGraphSize.of(io.dls.job.patterns.PatternCompiler.compileAll(specs, false),
                        parallelism));
            }
            return 0;
        }
    }

    /** Prints the patterns or their problems; returns the specs, or null when any file is wrong. */
    static List<PatternSpec> validate(Path dir, PrintStream out, PrintStream err) {
        try {
            List<PatternSpec> specs = PatternLoader.loadDirectory(dir);
            boolean compile = flinkPresent();
            for (PatternSpec s : specs) {
                if (compile) {
                    io.dls.job.patterns.PatternCompiler.compile(s, false);
                }
                out.println("ok  " + s.name() + "  (key " + s.key() + ", topic " + s.topic() + ")");
            }
            out.println(specs.size() + " pattern(s) valid in " + dir + (compile ? "" : " (checked without"
                    + " compiling to Flink CEP: Flink is not on the class path)"));
            return specs;
        } catch (PatternException e) {
            for (PatternException.Problem p : e.problems()) {
                err.println(p);
            }
            err.println(e.problems().size() + " problem(s); fix them and run validate again");
            return null;
        }
    }

    @Command(name = "dry-run", mixinStandardHelpOptions = true,
            description = {"Normalize each JSON line of SAMPLE (a record as an agent sends it, optionally with",
                    "\"@tag\" and \"@time\" (epoch seconds or ISO-8601)) and print the alerts DIR's patterns raise,",
                    "in event time, as JSON lines."})
    static final class DryRunCommand implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "DIR")
        Path dir;

        @Parameters(index = "1", paramLabel = "SAMPLE.jsonl")
        Path sample;

        @Option(names = "--aliases", description = "field alias file (default: the jar's)")
        Path aliases;

        @Override
        public Integer call() throws Exception {
            if (!flinkPresent()) {
                System.err.println("dry-run runs the patterns on a local Flink, whose classes are not on the class path."
                        + " Run it as: java -cp flink-jobs.jar:<flink lib dir>/* io.dls.job.Main patterns dry-run DIR SAMPLE");
                return 2;
            }
            List<PatternSpec> specs = validate(dir, System.err, System.err);
            if (specs == null) {
                return 1;
            }
            List<LogEvent> events = readSample(sample, aliases == null ? AliasConfig.defaults() : AliasConfig.load(aliases));
            List<Alert> alerts = DryRun.run(specs, events);
            for (Alert a : alerts) {
                System.out.println(new String(Json.bytes(a.toDocument()), StandardCharsets.UTF_8));
            }
            System.err.println(events.size() + " event(s), " + alerts.size() + " alert(s)");
            return 0;
        }
    }

    @SuppressWarnings("unchecked")
    static List<LogEvent> readSample(Path sample, AliasConfig aliases) throws Exception {
        Normalizer normalizer = new Normalizer(aliases);
        List<LogEvent> events = new ArrayList<>();
        try (BufferedReader r = Files.newBufferedReader(sample)) {
            String line;
            int n = 0;
            long clock = Instant.parse("2026-01-01T00:00:00Z").getEpochSecond();
            while ((line = r.readLine()) != null) {
                n++;
                if (line.isBlank() || line.startsWith("#")) {
                    continue;
                }
                Map<String, Object> rec;
                try {
                    rec = Json.mapper().readValue(line, Map.class);
                } catch (Exception e) {
                    throw new IllegalArgumentException(sample + ":" + n + ": not a JSON object: " + e.getMessage());
                }
                String tag = String.valueOf(rec.getOrDefault("@tag", "sample"));
                Object time = rec.remove("@time");
                rec.remove("@tag");
                long millis = time == null ? (clock + n) * 1000
                        : time instanceof Number num ? (long) (num.doubleValue() * 1000) : Instant.parse(time.toString()).toEpochMilli();
                events.add(normalizer.normalize(tag, Math.floorDiv(millis, 1000), (int) Math.floorMod(millis, 1000) * 1_000_000,
                        rec, EventIds.of(tag, null, sample.getFileName().toString(), 0, n)));
            }
        }
        return events;
    }

    private PatternsCommand() {
    }
}
