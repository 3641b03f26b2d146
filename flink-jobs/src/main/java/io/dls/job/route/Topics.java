package io.dls.job.route;

import io.dls.contracts.TopicNames;

import java.io.Serializable;

/**
 * The job's topic names and the critical threshold (contract 3).
 *
 * @param raw           input (contract 1)
 * @param all           every normalized event
 * @param critical      events at or above {@code criticalLevel}, and alerts that target it
 * @param nodeFailure   heartbeat timeouts, DOWN heartbeats, recoveries
 * @param alerts        every alert, whatever its pattern's topic
 * @param invalid       records the job cannot decode, with the reason
 * @param criticalLevel TRACE, DEBUG, INFO, WARN, ERROR or FATAL
 */
public record Topics(String raw, String all, String critical, String nodeFailure, String alerts, String invalid,
                     String criticalLevel) implements Serializable {
    public static final java.util.List<String> LEVELS = java.util.List.of("TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL");

    public Topics {
        if (!LEVELS.contains(criticalLevel)) {
            throw new IllegalArgumentException("critical level must be one of " + LEVELS + ", was " + criticalLevel);
        }
    }

    public static Topics defaults() {
        return new Topics(TopicNames.RAW, TopicNames.ALL, TopicNames.CRITICAL, TopicNames.NODE_FAILURE, TopicNames.ALERTS,
                TopicNames.INVALID, "ERROR");
    }

    /** Severity rank of a level; UNKNOWN ranks below TRACE. */
    public static int rank(String level) {
        return LEVELS.indexOf(level);
    }

    public boolean isCritical(String level) {
        return rank(level) >= rank(criticalLevel);
    }
}
