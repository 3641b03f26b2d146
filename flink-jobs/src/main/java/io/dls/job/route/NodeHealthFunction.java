package io.dls.job.route;

import io.dls.job.normalize.LogEvent;
import io.dls.job.patterns.Alert;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.streaming.api.functions.co.KeyedCoProcessFunction;
import org.apache.flink.util.Collector;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * Recovery notices (contract 3), keyed by node: a node marked failed, by a node_failure alert about it or
 * by a DOWN heartbeat, that sends an UP heartbeat again gets one "recovered" notice on node_failure. A
 * timer drops the failed mark after {@code forgetAfter} without news, so nodes that never come back leave
 * neither state nor timers behind. A failed node that deregisters gets the notice too: it left on purpose, so
 * its alert is over (the notifier resolves it) instead of staying active until the mark is forgotten.
 */
public final class NodeHealthFunction extends KeyedCoProcessFunction<String, LogEvent, Alert, Alert> {
    public static final String PATTERN = "node-recovered";

    private final Topics topics;
    private final long forgetAfterMs;
    private transient ValueState<String> failedBy;
    private transient ValueState<Long> forgetAt;

    public NodeHealthFunction(Topics topics) {
        this(topics, Duration.ofDays(1));
    }

    public NodeHealthFunction(Topics topics, Duration forgetAfter) {
        this.topics = topics;
        this.forgetAfterMs = forgetAfter.toMillis();
    }

    @Override
    public void open(OpenContext ctx) {
        failedBy = getRuntimeContext().getState(new ValueStateDescriptor<>("failed-by", String.class));
        forgetAt = getRuntimeContext().getState(new ValueStateDescriptor<>("forget-at", Long.class));
    }

    private void markFailed(String cause, Context ctx) throws Exception {
        failedBy.update(cause);
        Long previous = forgetAt.value();
        if (previous != null) {
            ctx.timerService().deleteProcessingTimeTimer(previous);
        }
        long at = ctx.timerService().currentProcessingTime() + forgetAfterMs;
        ctx.timerService().registerProcessingTimeTimer(at);
        forgetAt.update(at);
    }

    private void clear(Context ctx) throws Exception {
        Long at = forgetAt.value();
        if (at != null) {
            ctx.timerService().deleteProcessingTimeTimer(at);
        }
        failedBy.clear();
        forgetAt.clear();
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<Alert> out) {
        failedBy.clear();
        forgetAt.clear();
    }

    @Override
    public void processElement1(LogEvent e, Context ctx, Collector<Alert> out) throws Exception {
        if (e.isDeregistration()) {
            String cause = failedBy.value();
            if (cause != null) {
                clear(ctx);
                out.collect(recovery(e, cause, "deregistered"));
            }
            return;
        }
        if (!e.isHeartbeat() && !e.isRegistration()) {
            return;
        }
        if ("DOWN".equals(e.status)) {
            markFailed("status DOWN", ctx);
            return;
        }
        String cause = failedBy.value();
        if (cause != null && e.isHeartbeat()) {
            clear(ctx);
            out.collect(recovery(e, cause, "recovered: heartbeats resumed"));
        }
    }

    @Override
    public void processElement2(Alert a, Context ctx, Collector<Alert> out) throws Exception {
        markFailed(a.pattern, ctx);
    }

    private Alert recovery(LogEvent e, String cause, String what) {
        Alert r = new Alert();
        r.pattern = PATTERN;
        r.severity = "info";
        r.topic = topics.nodeFailure();
        r.keyField = "host.name";
        r.keyValue = e.host;
        r.host = e.host;
        r.service = e.service;
        r.message = "node " + e.host + " " + what + " after " + cause;
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
