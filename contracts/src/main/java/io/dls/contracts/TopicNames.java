package io.dls.contracts;

import java.util.List;

/**
 * The default Kafka topic names of the system (contracts 1 and 3). Every name is a default: the receiver, the
 * jobs and {@code ./dls} take options to change each one, and those options default to these constants.
 */
public final class TopicNames {
    /** Receiver -> pipeline job: one record per event, msgpack (contract 1). */
    public static final String RAW = "logs.raw";
    /** Fluent Bit metrics chunks (cmetrics msgpack as sent). */
    public static final String METRICS_RAW = "metrics.raw";
    /** Fluent Bit traces chunks (ctraces msgpack as sent). */
    public static final String TRACES_RAW = "traces.raw";
    /** Every normalized event, heartbeats included (JSON, contract 2). */
    public static final String ALL = "all_logs";
    /** Events at or above the critical level, and the alerts of patterns that target it. */
    public static final String CRITICAL = "critical_logs";
    /** Heartbeat timeouts, DOWN heartbeats, recoveries. */
    public static final String NODE_FAILURE = "node_failure";
    /** Every alert, whatever its pattern's topic: for the index job and the notifier. */
    public static final String ALERTS = "alerts";
    /** Records the pipeline job cannot decode, with the reason. */
    public static final String INVALID = "logs.invalid";
    /** Documents Elasticsearch refused for good, with its reason. */
    public static final String DEAD_LETTER = "logs.dead-letter";

    /** What {@code ./dls up} creates before anything writes (the jobs create their own too). */
    public static final List<String> CREATED_BY_DLS = List.of(RAW, METRICS_RAW, TRACES_RAW, ALL, CRITICAL, NODE_FAILURE,
            ALERTS, INVALID, DEAD_LETTER);

    private TopicNames() {
    }
}
