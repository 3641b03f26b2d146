package io.dls.contracts;

import java.util.List;

/**
 * The Flink jobs of the one jar: the first word of the job's arguments ({@code flink run flink-jobs.jar index ...})
 * and the name each job gives itself in Flink, by which {@code ./dls} finds it.
 */
public enum JobNames {
    /** logs.raw -> decode, normalize, route, patterns, node health -> Kafka topics only. */
    PIPELINE("pipeline", "dls log pipeline"),
    /** all_logs + alerts -> Elasticsearch; refused documents -> logs.dead-letter. */
    INDEX("index", "dls index");

    private final String command;
    private final String flinkName;

    JobNames(String command, String flinkName) {
        this.command = command;
        this.flinkName = flinkName;
    }

    /** The first argument that selects this job. */
    public String command() {
        return command;
    }

    /** The job's name in Flink ({@code env.execute(name)}). */
    public String flinkName() {
        return flinkName;
    }

    /** The job a command word selects. */
    public static JobNames ofCommand(String command) {
        for (JobNames j : values()) {
            if (j.command.equals(command)) {
                return j;
            }
        }
        throw new IllegalArgumentException("no job '" + command + "'; the jobs are " + commands());
    }

    public static List<String> commands() {
        return java.util.Arrays.stream(values()).map(JobNames::command).toList();
    }
}
