package io.dls.job.route;

import io.dls.job.normalize.LogEvent;
import io.dls.job.patterns.Alert;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.StateTtlConfig;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.streaming.api.functions.co.KeyedCoProcessFunction;
import org.apache.flink.util.Collector;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * Recovery notices (contract 3), keyed by node: a node marked failed, by a node_failure alert about it or
 * by a DOWN heartbeat, that sends an UP heartbeat again gets one "recovered" notice on node_failure. The
 * failed mark expires after a day without news, so nodes that never come back leave no state.
 */
public final class NodeHealthFunction extends KeyedCoProcessFunction<String, LogEvent, Alert, Alert> {
    public static final String PATTERN = "node-recovered";

    private final Topics topics;
    private transient ValueState<String> failedBy;

    public NodeHealthFunction(Topics topics) {
        this.topics = topics;
    }

    @Override
    public void open(OpenContext ctx) {
        ValueStateDescriptor<String> d = new ValueStateDescriptor<>("failed-by", String.class);
        d.enableTimeToLive(StateTtlConfig.newBuilder(Duration.ofDays(1)).build());
        failedBy = getRuntimeContext().getState(d);
    }

    @Override
    public void processElement1(LogEvent e, Context ctx, Collector<Alert> out) throws Exception {
        if (!e.isHeartbeat() && !e.isRegistration()) {
            return;
        }
        if ("DOWN".equals(e.status)) {
            failedBy.update("status DOWN");
            return;
        }
        String cause = failedBy.value();
        if (cause != null && e.isHeartbeat()) {
            failedBy.clear();
            out.collect(recovery(e, cause));
        }
    }

    @Override
    public void processElement2(Alert a, Context ctx, Collector<Alert> out) throws Exception {
        failedBy.update(a.pattern);
    }

    private Alert recovery(LogEvent e, String cause) {
        Alert r = new Alert();
        r.pattern = PATTERN;
        r.severity = "info";
        r.topic = topics.nodeFailure();
        r.keyField = "host.name";
        r.keyValue = e.host;
        r.host = e.host;
        r.service = e.service;
        r.message = "node " + e.host + " recovered: heartbeats resumed after " + cause;
        r.timestamp = Instant.now().toString();
        r.epochMillis = e.epochMillis;
        r.firstEventTime = e.timestamp;
        r.lastEventTime = e.timestamp;
        r.eventCount = 1;
        r.eventIds = new java.util.ArrayList<>(List.of(e.eventId));
        r.alertId = java.util.UUID.nameUUIDFromBytes((PATTERN + "|" + e.host + "|" + e.eventId)
                .getBytes(java.nio.charset.StandardCharsets.UTF_8)).toString();
        return r;
    }
}
