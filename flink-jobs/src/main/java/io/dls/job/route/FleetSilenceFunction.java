package io.dls.job.route;

import io.dls.job.normalize.LogEvent;
import io.dls.job.patterns.Alert;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;

/**
 * Fleet-wide silence (issue 11): when most nodes stop at once, the cause is the way in (receiver, network,
 * Kafka), not the nodes, and one {@code pipeline-silent} alert says so instead of a page per node (the
 * shipped Alertmanager configuration inhibits the per-node alerts while it fires). Raised again every
 * {@link FleetSilence#repeat()} while it lasts, so the notifier keeps it active, and ended by a
 * {@code node-recovered} notice with the same key ({@code pipeline} = the raw topic) when the silent nodes
 * are heard again: the notifier resolves it like a node's alert when {@code pipeline-silent} is among its
 * {@code --resolved-by-recovery} patterns, and otherwise {@code alert.resolve_after_ms} after the last repeat.
 *
 * <p>One instance sees every node: the input is keyed by a constant and the operator runs with parallelism 1
 * (heartbeats, registrations and deregistrations only: a few per node a minute). Processing time throughout,
 * since the point is to notice when input stops, which event time cannot (FACTS.md).
 */
public final class FleetSilenceFunction extends KeyedProcessFunction<String, LogEvent, Alert> {
    /** The constant key all heartbeats are sent to. */
    public static final String KEY = "fleet";
    /** Names listed in one alert at most; the count is always exact. */
    static final int MAX_NAMES = 50;

    private final Topics topics;
    private final FleetSilence settings;
    private transient MapState<String, Long> lastSeen;
    private transient ValueState<Long> nextCheck;
    private transient ValueState<Incident> incident;
    /**
     * When this instance first ran: nodes count as heard then, so a job that was stopped or restarted for
     * longer than the silence does not take its own pause for a fleet-wide silence.
     */
    private transient long runningSince = Long.MIN_VALUE;

    public FleetSilenceFunction(Topics topics, FleetSilence settings) {
        this.topics = topics;
        this.settings = settings;
    }

    /** An ongoing fleet-wide silence. A Flink POJO (kept in state). */
    public static class Incident {
        public long raisedAt;
        /** The oldest last heartbeat among the silent nodes: when the silence began. */
        public long silentSince;
        public int fleetSize;
        public List<String> members = new ArrayList<>();
        public long nextRepeat;

        public Incident() {
        }
    }

    @Override
    public void open(OpenContext ctx) {
        lastSeen = getRuntimeContext().getMapState(new MapStateDescriptor<>("last-seen", Types.STRING, Types.LONG));
        nextCheck = getRuntimeContext().getState(new ValueStateDescriptor<>("next-check", Types.LONG));
        incident = getRuntimeContext().getState(new ValueStateDescriptor<>("incident", Incident.class));
    }

    @Override
    public void processElement(LogEvent e, Context ctx, Collector<Alert> out) throws Exception {
        if (!settings.enabled() || e.host == null) {
            return;
        }
        long now = ctx.timerService().currentProcessingTime();
        started(now);
        if (e.isDeregistration()) {
            lastSeen.remove(e.host); // left on purpose: no longer part of the fleet
        } else {
            lastSeen.put(e.host, now);
        }
        if (nextCheck.value() == null) {
            schedule(ctx.timerService(), now);
        }
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<Alert> out) throws Exception {
        nextCheck.clear();
        started(timestamp);
        evaluate(timestamp, out);
        if (incident.value() != null || !lastSeen.isEmpty()) {
            schedule(ctx.timerService(), timestamp);
        }
    }

    private void started(long now) {
        if (runningSince == Long.MIN_VALUE) {
            runningSince = now;
        }
    }

    private void schedule(org.apache.flink.streaming.api.TimerService timers, long now) throws Exception {
        long at = now + settings.check().toMillis();
        timers.registerProcessingTimeTimer(at);
        nextCheck.update(at);
    }

    private long seen(long at) {
        return Math.max(at, runningSince);
    }

    private void evaluate(long now, Collector<Alert> out) throws Exception {
        Incident current = incident.value();
        if (current != null) {
            List<String> still = new ArrayList<>();
            for (String node : current.members) {
                Long at = lastSeen.get(node);
                if (at != null && at < current.raisedAt) {
                    still.add(node);
                }
            }
            if (still.size() <= settings.threshold() * current.fleetSize) {
                incident.clear();
                out.collect(recovery(current, still, now));
            } else if (now >= current.nextRepeat) {
                current.nextRepeat = now + settings.repeat().toMillis();
                incident.update(current);
                out.collect(alert(current, still, now));
            }
            return;
        }
        long forgetBefore = now - settings.memory().toMillis();
        long silentBefore = now - settings.silentAfter().toMillis();
        List<Map.Entry<String, Long>> silent = new ArrayList<>();
        int fleet = 0;
        List<String> forgotten = new ArrayList<>();
        for (Map.Entry<String, Long> e : lastSeen.entries()) {
            long at = seen(e.getValue());
            if (at < forgetBefore) {
                forgotten.add(e.getKey());
                continue;
            }
            fleet++;
            if (at <= silentBefore) {
                silent.add(Map.entry(e.getKey(), at));
            }
        }
        for (String node : forgotten) {
            lastSeen.remove(node);
        }
        if (fleet < settings.minNodes() || silent.isEmpty()) {
            return;
        }
        // Only the nodes that stopped together: a node that died an hour ago is its own alert, not this one.
        long latest = silent.stream().mapToLong(Map.Entry::getValue).max().getAsLong();
        List<Map.Entry<String, Long>> together = silent.stream()
                .filter(e -> e.getValue() >= latest - settings.silentAfter().toMillis()).toList();
        if (together.size() <= settings.threshold() * fleet) {
            return;
        }
        Incident i = new Incident();
        i.raisedAt = now;
        i.silentSince = together.stream().mapToLong(Map.Entry::getValue).min().getAsLong();
        i.fleetSize = fleet;
        i.members = new ArrayList<>(together.stream().map(Map.Entry::getKey).sorted().toList());
        i.nextRepeat = now + settings.repeat().toMillis();
        incident.update(i);
        out.collect(alert(i, i.members, now));
    }

    private Alert alert(Incident i, List<String> silent, long now) {
        Alert a = base(FleetSilence.PATTERN, "critical", now);
        String names = names(silent);
        a.message = "pipeline hears nothing from " + silent.size() + " of " + i.fleetSize + " nodes since "
                + Instant.ofEpochMilli(i.silentSince) + " (the receiver, the network or Kafka, not the nodes?): " + names;
        a.description = "More than " + percent() + " of the " + i.fleetSize + " nodes heard in the last "
                + settings.memory().toMinutes() + " min went silent within " + settings.silentAfter().toSeconds()
                + " s of each other. Their heartbeat-timeout alerts (label silence_inhibitable=\"true\") are inhibited"
                + " while this fires. Silent nodes (" + silent.size() + "): " + names;
        a.firstEventTime = Instant.ofEpochMilli(i.silentSince).toString();
        a.eventCount = silent.size();
        a.resolveAfterMs = settings.resolveAfter().toMillis();
        // One id per incident: its repeats update one document in the alerts index.
        a.alertId = FleetSilence.PATTERN + "-" + uuid(FleetSilence.PATTERN + "|" + topics.raw() + "|" + i.raisedAt);
        return a;
    }

    private Alert recovery(Incident i, List<String> still, long now) {
        Alert r = base(NodeHealthFunction.PATTERN, "info", now);
        int resumed = i.members.size() - still.size();
        r.message = "pipeline hears from the fleet again: " + resumed + " of " + i.members.size()
                + " silent nodes resumed after " + Duration.ofMillis(now - i.silentSince).toSeconds() + " s"
                + (still.isEmpty() ? "" : "; still silent: " + names(still));
        r.firstEventTime = Instant.ofEpochMilli(i.silentSince).toString();
        r.eventCount = resumed;
        r.alertId = uuid(NodeHealthFunction.PATTERN + "|" + FleetSilence.KEY_FIELD + "|" + topics.raw() + "|" + i.raisedAt);
        return r;
    }

    private Alert base(String pattern, String severity, long now) {
        Alert a = new Alert();
        a.pattern = pattern;
        a.severity = severity;
        a.topic = topics.nodeFailure();
        a.keyField = FleetSilence.KEY_FIELD;
        a.keyValue = topics.raw();
        a.epochMillis = now;
        a.timestamp = Instant.ofEpochMilli(now).toString();
        a.lastEventTime = a.timestamp;
        return a;
    }

    private String percent() {
        return String.format(Locale.ROOT, "%.0f%%", settings.threshold() * 100);
    }

    private static String names(List<String> nodes) {
        List<String> sorted = nodes.stream().sorted().toList();
        String shown = String.join(", ", sorted.subList(0, Math.min(MAX_NAMES, sorted.size())));
        return sorted.size() > MAX_NAMES ? shown + " and " + (sorted.size() - MAX_NAMES) + " more" : shown;
    }

    private static String uuid(String seed) {
        return UUID.nameUUIDFromBytes(seed.getBytes(StandardCharsets.UTF_8)).toString();
    }
}
