package io.dls.launcher.flink;

import io.dls.contracts.JobNames;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;

/**
 * Job submission and control through Flink's REST API, for ./dls up, down, status and patterns apply. Each
 * subcommand works on one of the jar's jobs ({@code --job pipeline|index}), found by the name it gives itself.
 */
@Command(name = "flink", description = "Submit, watch and stop the dls jobs through Flink's REST API",
        subcommands = {FlinkCommand.Submit.class, FlinkCommand.Status.class,
                FlinkCommand.Stop.class})
public final class FlinkCommand {
    @Option(names = "--rest", defaultValue = "http://127.0.0.1:8081", description = "Flink REST URL (default ${DEFAULT-VALUE})")
    String rest;

    @Option(names = "--job", defaultValue = "pipeline", converter = JobConverter.class,
            description = "which job: pipeline | index (default ${DEFAULT-VALUE})")
    JobNames job;

    static final class JobConverter implements picocli.CommandLine.ITypeConverter<JobNames> {
        @Override
        public JobNames convert(String value) {
            return JobNames.ofCommand(value);
        }
    }

    FlinkRest client() {
        return new FlinkRest(rest);
    }

    Optional<FlinkRest.Job> activeJob(FlinkRest flink) throws IOException {
        return flink.jobs().stream().filter(j -> j.name().equals(job.flinkName()) && j.active())
                .max((a, b) -> Long.compare(a.startTime(), b.startTime()));
    }

    static void await(String what, Duration timeout, Check check) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        Exception last = null;
        while (System.nanoTime() < deadline) {
            try {
                if (check.ok()) {
                    return;
                }
            } catch (IOException e) {
                last = e;
            }
            Thread.sleep(500);
        }
        throw new IOException(what + " did not happen within " + timeout.toSeconds() + " s"
                + (last == null ? "" : ": " + last.getMessage()));
    }

    interface Check {
        boolean ok() throws Exception;
    }

    @Command(name = "submit", description = "Upload the job jar, run it (from a savepoint if given) and wait until its tasks run")
    static final class Submit implements Callable<Integer> {
        @ParentCommand
        FlinkCommand parent;

        @Option(names = "--jar", required = true)
        Path jar;

        @Option(names = "--entry-class", defaultValue = "io.dls.job.Main")
        String entryClass;

        @Option(names = "--parallelism", defaultValue = "0")
        int parallelism;

        @Option(names = "--savepoint", description = "restore from this savepoint")
        String savepoint;

        @Option(names = "--allow-non-restored-state",
                description = "accept a savepoint with state of operators the new job no longer has (a removed pattern)")
        boolean allowNonRestored;

        @Option(names = "--timeout", defaultValue = "180")
        int timeoutSeconds;

        @Parameters(paramLabel = "JOB_ARG", description = "the job's own arguments (after --)")
        List<String> args = new ArrayList<>();

        @Override
        public Integer call() throws Exception {
            FlinkRest flink = parent.client();
            Optional<FlinkRest.Job> running = parent.activeJob(flink);
            if (running.isPresent()) {
                System.out.println("job " + running.get().id() + " already " + running.get().state());
                return 0;
            }
            String jarId = flink.uploadJar(jar);
            String jobId;
            try {
                List<String> jobArgs = new ArrayList<>();
                jobArgs.add(parent.job.command());
                jobArgs.addAll(args);
                jobId = flink.run(jarId, new FlinkRest.RunRequest(entryClass, jobArgs, parallelism, savepoint, allowNonRestored));
            } finally {
                // The job graph holds what it needs; old uploads would only pile up in web.upload.dir.
                flink.deleteJar(jarId);
            }
            await("all tasks of job " + jobId + " running", Duration.ofSeconds(timeoutSeconds),
                    () -> flink.allTasksRunning(jobId));
            System.out.println("job " + jobId + " RUNNING" + (savepoint == null ? "" : " (restored from " + savepoint + ")"));
            return 0;
        }
    }

    @Command(name = "status", description = "The dls job's state; exit code 0 when it runs, 3 when it does not")
    static final class Status implements Callable<Integer> {
        @ParentCommand
        FlinkCommand parent;

        @Override
        public Integer call() throws Exception {
            FlinkRest flink = parent.client();
            Optional<FlinkRest.Job> job = parent.activeJob(flink);
            if (job.isEmpty()) {
                System.out.println("no " + parent.job.command() + " job running");
                return 3;
            }
            FlinkRest.Job j = job.get();
            long upSeconds = (System.currentTimeMillis() - j.startTime()) / 1000;
            boolean tasks = flink.allTasksRunning(j.id());
            long restarts = flink.restarts(j.id());
            System.out.println(j.state() + (tasks || !"RUNNING".equals(j.state()) ? "" : " (tasks starting)")
                    + ", job " + j.id() + ", up " + upSeconds + " s" + (restarts < 0 ? "" : ", restarts " + restarts));
            return "RUNNING".equals(j.state()) && tasks ? 0 : 3;
        }
    }

    @Command(name = "stop", description = "Stop the dls job with a savepoint; prints the savepoint's path")
    static final class Stop implements Callable<Integer> {
        @ParentCommand
        FlinkCommand parent;

        @Option(names = "--savepoint-dir", required = true)
        String dir;

        @Option(names = "--timeout", defaultValue = "120")
        int timeoutSeconds;

        @Override
        public Integer call() throws Exception {
            FlinkRest flink = parent.client();
            Optional<FlinkRest.Job> job = parent.activeJob(flink);
            if (job.isEmpty()) {
                System.err.println("no " + parent.job.command() + " job running");
                return 3;
            }
            String location = flink.stopWithSavepoint(job.get().id(), dir, Duration.ofSeconds(timeoutSeconds));
            System.out.println(location);
            return 0;
        }
    }
}
