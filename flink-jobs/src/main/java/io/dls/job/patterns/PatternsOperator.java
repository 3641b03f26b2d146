package io.dls.job.patterns;

import io.dls.job.normalize.LogEvent;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.base.LongSerializer;
import org.apache.flink.api.common.typeutils.base.StringSerializer;
import org.apache.flink.cep.configuration.SharedBufferCacheConfig;
import org.apache.flink.metrics.Counter;
import org.apache.flink.runtime.state.StateInitializationContext;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.InternalTimer;
import org.apache.flink.streaming.api.operators.InternalTimerService;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.api.operators.Triggerable;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Every alert pattern of the job in one keyed operator, each run by Flink CEP's NFA ({@link PatternEngine}),
 * with suppression ({@code suppress}, ElastAlert's realert) done here too: one exchange and one task for the
 * whole set, however many patterns it has. Keyed by {@link Dispatched#key}; an event reaches only the patterns
 * {@link Dispatch} chose for it.
 *
 * <p>Every pattern keeps its state in the same few keyed states, under its name as the namespace
 * ({@link PatternStateStore}), and its quiet period under its name in {@code quiet-until}: a pattern keeps its
 * partial matches and quiet periods across a savepoint while others are added or removed. Timers carry the
 * pattern's name as their namespace ({@code c/<name>} for CEP, {@code q/<name>} for the end of a quiet period).
 */
public class PatternsOperator extends AbstractStreamOperator<Alert>
        implements OneInputStreamOperator<Dispatched, Alert>, Triggerable<String, String> {

    private static final String CEP = "c/";
    private static final String QUIET = "q/";

    private final List<PatternRuntime> patterns;

    private transient PatternEngine[] engines;
    private transient Map<String, Integer> byName;
    private transient InternalTimerService<String> timers;
    private transient MapState<String, Long> quietUntil;
    /** The names of the patterns, kept in savepoints so that a restore can tell which patterns left the set. */
    private transient org.apache.flink.api.common.state.ListState<String> names;
    private transient List<String> removed;
    private transient TypeSerializer<LogEvent> eventSerializer;
    private transient SharedBufferCacheConfig cacheConfig;
    private transient PatternEngine.Host host;
    private transient Counter late;
    private transient Counter suppressed;

    PatternsOperator(List<PatternRuntime> patterns) {
        this.patterns = List.copyOf(patterns);
    }

    @Override
    public void initializeState(StateInitializationContext context) throws Exception {
        super.initializeState(context);
        quietUntil = context.getKeyedStateStore().getMapState(
                new MapStateDescriptor<>("quiet-until", StringSerializer.INSTANCE, LongSerializer.INSTANCE));
        // Union: after a change of parallelism every subtask sees every name, and clears its own keys.
        names = context.getOperatorStateStore().getUnionListState(
                new org.apache.flink.api.common.state.ListStateDescriptor<>("pattern-names", StringSerializer.INSTANCE));
        java.util.Set<String> before = new java.util.TreeSet<>();
        if (context.isRestored()) {
            names.get().forEach(before::add);
        }
        patterns.forEach(p -> before.remove(p.name()));
        removed = List.copyOf(before);
    }

    @Override
    public void snapshotState(org.apache.flink.runtime.state.StateSnapshotContext context) throws Exception {
        super.snapshotState(context);
        names.update(patterns.stream().map(PatternRuntime::name).toList());
    }

    @Override
    public void open() throws Exception {
        super.open();
        timers = getInternalTimerService("patterns", StringSerializer.INSTANCE, this);
        engines = new PatternEngine[patterns.size()];
        byName = new HashMap<>();
        for (int i = 0; i < patterns.size(); i++) {
            byName.put(patterns.get(i).name(), i);
        }
        eventSerializer = TypeInformation.of(LogEvent.class)
                .createSerializer(getExecutionConfig().getSerializerConfig());
        cacheConfig = SharedBufferCacheConfig.of(getOperatorConfig().getConfiguration());
        forgetRemoved();
        late = getMetricGroup().counter("numLateRecordsDropped");
        suppressed = getMetricGroup().counter("alertsSuppressed");
        host = new Host();
    }

    /**
     * A pattern that left the set since the savepoint would otherwise keep its partial matches in every later
     * savepoint, read by no one: its states are cleared for every key, and its quiet periods.
     */
    private void forgetRemoved() throws Exception {
        if (removed.isEmpty()) {
            return;
        }
        org.apache.flink.runtime.state.KeyedStateBackend<Object> backend = getKeyedStateBackend();
        for (var d : PatternEngine.states(backend, eventSerializer, cacheConfig)) {
            for (String name : removed) {
                clearAll(backend, name, d);
            }
        }
        backend.applyToAllKeys(org.apache.flink.runtime.state.VoidNamespace.INSTANCE,
                org.apache.flink.runtime.state.VoidNamespaceSerializer.INSTANCE,
                new MapStateDescriptor<>("quiet-until", StringSerializer.INSTANCE, LongSerializer.INSTANCE),
                (key, state) -> {
                    for (String name : removed) {
                        state.remove(name);
                    }
                    if (state.isEmpty()) {
                        state.clear();
                    }
                });
        LOG.info("Cleared the state of {} pattern(s) no longer in the set: {}", removed.size(), removed);
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static void clearAll(org.apache.flink.runtime.state.KeyedStateBackend<Object> backend, String pattern,
                                 org.apache.flink.api.common.state.StateDescriptor d) throws Exception {
        backend.applyToAllKeys(pattern, StringSerializer.INSTANCE, d,
                (key, state) -> ((org.apache.flink.api.common.state.State) state).clear());
    }

    @Override
    public void processElement(StreamRecord<Dispatched> record) throws Exception {
        Dispatched d = record.getValue();
        long timestamp = record.hasTimestamp() ? record.getTimestamp() : Long.MIN_VALUE;
        for (int p : d.patterns) {
            if (!engine(p).process(d.event, timestamp)) {
                late.inc();
            }
        }
    }

    @Override
    public void onEventTime(InternalTimer<String, String> timer) throws Exception {
        fired(timer);
    }

    @Override
    public void onProcessingTime(InternalTimer<String, String> timer) throws Exception {
        fired(timer);
    }

    private void fired(InternalTimer<String, String> timer) throws Exception {
        String ns = timer.getNamespace();
        Integer p = byName.get(ns.substring(2));
        if (p == null) {
            return; // a timer restored for a pattern that is no longer in the set (its state is cleared)
        }
        if (ns.startsWith(CEP)) {
            engine(p).onTimer();
        } else {
            String name = patterns.get(p).name();
            Long until = quietUntil.get(name);
            if (until != null && until <= timer.getTimestamp()) {
                quietUntil.remove(name);
                if (quietUntil.isEmpty()) {
                    quietUntil.clear(); // an empty map is still an entry of the key's state
                }
            }
        }
    }

    @Override
    public void close() throws Exception {
        if (engines != null) {
            for (PatternEngine e : engines) {
                if (e != null) {
                    e.close();
                }
            }
        }
        super.close();
    }

    /** For tests: the engine of the pattern, null until an event reached it. */
    PatternEngine madeEngine(String pattern) {
        return engines[byName.get(pattern)];
    }

    /** Made on first use: a pattern no event has reached costs no CEP buffers. */
    private PatternEngine engine(int p) throws Exception {
        PatternEngine e = engines[p];
        if (e == null) {
            e = new PatternEngine(patterns.get(p), host, getKeyedStateBackend(), eventSerializer, cacheConfig,
                    getRuntimeContext());
            engines[p] = e;
        }
        return e;
    }

    /**
     * Passes the alert unless its pattern alerted for this key less than {@code suppress} ago; a timer at the
     * end of the quiet period clears it, so a key that has gone quiet keeps nothing. In event time the clock is
     * the alert's own time, not the record timestamp (for absence alerts the watermark that closed the window).
     */
    private void emit(PatternRuntime p, Alert alert, Long timestamp) throws Exception {
        if (p.suppressMillis() > 0) {
            long now = p.processingTime() ? timers.currentProcessingTime() : alert.epochMillis;
            Long until = quietUntil.get(p.name());
            if (until != null && now < until) {
                suppressed.inc();
                return;
            }
            if (until != null) {
                delete(p, until); // the period is over but its timer has not fired yet (event time lags)
            }
            long next = now + p.suppressMillis();
            quietUntil.put(p.name(), next);
            if (p.processingTime()) {
                timers.registerProcessingTimeTimer(QUIET + p.name(), next);
            } else {
                timers.registerEventTimeTimer(QUIET + p.name(), next);
            }
        }
        output.collect(timestamp == null ? new StreamRecord<>(alert) : new StreamRecord<>(alert, timestamp));
    }

    private void delete(PatternRuntime p, long at) {
        if (p.processingTime()) {
            timers.deleteProcessingTimeTimer(QUIET + p.name(), at);
        } else {
            timers.deleteEventTimeTimer(QUIET + p.name(), at);
        }
    }

    private final class Host implements PatternEngine.Host {
        @Override
        public long currentWatermark() {
            return timers.currentWatermark();
        }

        @Override
        public long currentProcessingTime() {
            return timers.currentProcessingTime();
        }

        @Override
        public void registerTimer(String pattern, long at, boolean processingTime) {
            if (processingTime) {
                timers.registerProcessingTimeTimer(CEP + pattern, at);
            } else {
                timers.registerEventTimeTimer(CEP + pattern, at);
            }
        }

        @Override
        public boolean suppressed(PatternRuntime pattern, long raisedAt) throws Exception {
            if (pattern.suppressMillis() <= 0) {
                return false;
            }
            Long until = quietUntil.get(pattern.name());
            if (until != null && raisedAt < until) {
                PatternsOperator.this.suppressed.inc();
                return true;
            }
            return false;
        }

        @Override
        public void emit(PatternRuntime pattern, Alert alert, Long timestamp) throws Exception {
            PatternsOperator.this.emit(pattern, alert, timestamp);
        }
    }
}
