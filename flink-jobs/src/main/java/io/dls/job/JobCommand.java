package io.dls.job;

import picocli.CommandLine;

/** How both jobs start: options from the command line over a --config file, checked before any Flink call. */
public final class JobCommand {
    private JobCommand() {
    }

    /** Parses the arguments into the job and runs it; a non-zero answer ends the JVM with that code. */
    public static void main(Object job, String[] args) {
        CommandLine cl = new CommandLine(job);
        cl.setDefaultValueProvider(ConfigFileDefaults.fromArgs(args));
        int code = cl.execute(args);
        if (code != 0) {
            System.exit(code);
        }
    }

    /** Whether the options are usable; if not, says why on stderr (exit code 2 follows). */
    public static boolean valid(JobOptions options, String job) {
        try {
            options.validate();
            return true;
        } catch (IllegalArgumentException e) {
            System.err.println("flink-jobs " + job + ": " + e.getMessage());
            return false;
        }
    }
}
