package io.dls.job;

/**
 * The jar's entry point. {@code patterns ...} runs the pattern tools (no cluster needed); anything else is
 * the job itself, as {@code flink run} starts it. Kept free of Flink types so that {@code java -jar} works
 * for the tools even where Flink's classes are not on the class path.
 */
public final class Main {
    private Main() {
    }

    /** The job's options for --help, without touching Flink classes. */
    @picocli.CommandLine.Command(name = "flink run flink-jobs.jar", sortOptions = false,
            description = {"The dls log pipeline: logs.raw -> normalize -> all_logs / critical_logs / node_failure,",
                    "CEP alert patterns, Elasticsearch logs-* and alerts-*.",
                    "Pattern tools: java -jar flink-jobs.jar patterns validate DIR | patterns dry-run DIR SAMPLE.jsonl"})
    static final class Usage {
        @picocli.CommandLine.Mixin
        JobOptions options = new JobOptions();
    }

    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("patterns")) {
            PatternsCommand.main(java.util.Arrays.copyOfRange(args, 1, args.length));
        } else if (args.length > 0 && (args[0].equals("--help") || args[0].equals("-h"))) {
            new picocli.CommandLine(new Usage()).usage(System.out);
        } else {
            LogPipelineJob.main(args);
        }
    }
}
