package io.dls.job.route;

import io.dls.job.normalize.LogEvent;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Contract 3 for events: every event to all_logs; at or above the threshold also to critical_logs; a DOWN
 * heartbeat also to node_failure. The JSON is written once per event and shared by every destination. Keyed
 * by service (or host) so one source stays in order within a partition.
 */
public final class EventRouter extends ProcessFunction<LogEvent, Output> {
    private final Topics topics;

    public EventRouter(Topics topics) {
        this.topics = topics;
    }

    @Override
    public void processElement(LogEvent e, Context ctx, Collector<Output> out) {
        byte[] json = Json.bytes(e);
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
