package io.dls.job.route;

import io.dls.job.normalize.LogEvent;
import org.apache.flink.api.common.functions.FlatMapFunction;
import org.apache.flink.util.Collector;

/**
 * Contract 3 for events: every event to all_logs; at or above the threshold also to critical_logs; a DOWN
 * heartbeat also to node_failure. Keyed by service (or host) so one source stays in order in a partition.
 */
public final class EventRouter implements FlatMapFunction<LogEvent, Output> {
    private final Topics topics;

    public EventRouter(Topics topics) {
        this.topics = topics;
    }

    @Override
    public void flatMap(LogEvent e, Collector<Output> out) {
        byte[] json = Json.bytes(e.toDocument());
        String key = e.service != null ? e.service : e.host;
        out.collect(new Output(topics.all(), key, json));
        if (topics.isCritical(e.level)) {
            out.collect(new Output(topics.critical(), key, json));
        }
        if (e.isHeartbeat() && "DOWN".equals(e.status)) {
            out.collect(new Output(topics.nodeFailure(), e.host, json));
        }
    }
}
