package io.dls.job;

import io.dls.contracts.JobNames;

import java.util.Arrays;

/**
 * The jar's entry point: {@code pipeline ...} submits the pipeline job, {@code index ...} the index job (as
 * {@code flink run} starts them), {@code patterns ...} runs the pattern tools (no cluster needed). Arguments
 * that start with an option are the pipeline job's, as before the index job existed. Kept free of Flink types so
 * that {@code java -jar} works for the tools and --help even where Flink's classes are not on the class path.
 */
public final class Main {
    private Main() {
    }

    /** The jar's usage for --help, without touching Flink classes. */
    @picocli.CommandLine.Command(name = "flink run flink-jobs.jar", sortOptions = false,
            description = {"Two jobs from one jar, each submitted on its own:",
                    "  flink run flink-jobs.jar pipeline [OPTIONS]   logs.raw -> normalize -> all_logs / critical_logs /",
                    "                                                node_failure, CEP alert patterns -> alerts (Kafka only)",
                    "  flink run flink-jobs.jar index [OPTIONS]      all_logs + alerts -> Elasticsearch logs-* / alerts-*",
                    "Pattern tools: java -jar flink-jobs.jar patterns validate DIR | patterns dry-run DIR SAMPLE.jsonl",
                    "Both jobs take the same options (one --config file serves both); each uses its own:"})
    static final class Usage {
        @picocli.CommandLine.Mixin
        JobOptions options = new JobOptions();
    }

    public static void main(String[] args) throws Exception {
        String first = args.length > 0 ? args[0] : "";
        String[] rest = args.length > 0 ? Arrays.copyOfRange(args, 1, args.length) : args;
        if (first.equals("patterns")) {
            PatternsCommand.main(rest);
        } else if (first.equals("--help") || first.equals("-h")) {
            new picocli.CommandLine(new Usage()).usage(System.out);
        } else if (first.equals(JobNames.INDEX.command())) {
            io.dls.job.index.IndexJob.main(rest);
        } else if (first.equals(JobNames.PIPELINE.command())) {
            LogPipelineJob.main(rest);
        } else if (first.isEmpty() || first.startsWith("-")) {
            LogPipelineJob.main(args);
        } else {
            System.err.println("flink-jobs: unknown job '" + first + "'; the jobs are " + JobNames.commands()
                    + ", and 'patterns' runs the pattern tools (--help says more)");
            System.exit(2);
        }
    }
}
