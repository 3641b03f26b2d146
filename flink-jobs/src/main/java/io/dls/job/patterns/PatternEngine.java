package io.dls.job.patterns;

import io.dls.job.normalize.LogEvent;
import org.apache.flink.api.common.functions.RuntimeContext;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.State;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.base.ListSerializer;
import org.apache.flink.api.common.typeutils.base.LongSerializer;
import org.apache.flink.api.java.tuple.Tuple2;
import org.apache.flink.cep.configuration.SharedBufferCacheConfig;
import org.apache.flink.cep.functions.PatternProcessFunction;
import org.apache.flink.cep.nfa.NFA;
import org.apache.flink.cep.nfa.NFAState;
import org.apache.flink.cep.nfa.NFAStateSerializer;
import org.apache.flink.cep.nfa.sharedbuffer.SharedBuffer;
import org.apache.flink.cep.nfa.sharedbuffer.SharedBufferAccessor;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.runtime.state.KeyedStateBackend;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;

/**
 * One alert pattern inside {@link PatternsOperator}: Flink CEP's NFA and shared buffer for the current key,
 * driven the way Flink's own CEP operator drives them (events buffered until the watermark passes them in event
 * time, straight in processing time; time advanced when a partial match's window ends), with the states named
 * after the pattern so that many patterns share one operator. What differs: a key left with nothing in
 * progress has its states cleared whole, so quiet keys cost nothing; and a key keeps one window timer, at the
 * earliest end, where Flink's operator sets one for every partial match.
 */
final class PatternEngine {

    /** What the engine needs from the operator that hosts it. */
    interface Host {
        long currentWatermark();

        long currentProcessingTime();

        void registerTimer(String pattern, long at, boolean processingTime);

        /** Whether an alert of the pattern raised at this time for the current key falls in its quiet period
         * (counted as suppressed if so). */
        boolean suppressed(PatternRuntime pattern, long raisedAt) throws Exception;

        /** @param timestamp the alert record's event time; null in processing time */
        void emit(PatternRuntime pattern, Alert alert, Long timestamp) throws Exception;
    }

    /** No window in progress (see {@link #earliestWindowEnd}). */
    private static final long NO_WINDOW = Long.MAX_VALUE;

    private final PatternRuntime pattern;
    private final Host host;
    private final NFA<LogEvent> nfa;
    private final SharedBuffer<LogEvent> buffer;
    private final PatternStateStore states;
    private final ValueState<NFAState> nfaState;
    private final MapState<Long, List<LogEvent>> queue;
    private final org.apache.flink.cep.time.TimerService clock;
    private final MatchContext context = new MatchContext();
    private final List<Alert> matched = new ArrayList<>(1);
    private final Collector<Alert> collector = new Collector<>() {
        @Override
        public void collect(Alert alert) {
            matched.add(alert);
        }

        @Override
        public void close() {
        }
    };

    PatternEngine(PatternRuntime pattern, Host host, KeyedStateBackend<?> backend, TypeSerializer<LogEvent> serializer,
                  SharedBufferCacheConfig cache, RuntimeContext runtime) throws Exception {
        this.pattern = pattern;
        this.host = host;
        this.states = new PatternStateStore(backend, pattern.name());
        this.nfaState = states.getState(nfaDescriptor());
        this.queue = states.getMapState(queueDescriptor(serializer));
        this.buffer = new SharedBuffer<>(states, serializer, cache);
        PlainCache.install(buffer);
        this.nfa = pattern.nfa().createNFA();
        this.nfa.open(runtime, new Configuration());
        this.clock = host::currentProcessingTime;
    }

    static ValueStateDescriptor<NFAState> nfaDescriptor() {
        return new ValueStateDescriptor<>("pattern-nfa", new NFAStateSerializer());
    }

    static MapStateDescriptor<Long, List<LogEvent>> queueDescriptor(TypeSerializer<LogEvent> events) {
        return new MapStateDescriptor<>("pattern-queue", LongSerializer.INSTANCE, new ListSerializer<>(events));
    }

    /**
     * Every keyed state a pattern has (its NFA, its queue, its shared buffer's maps), described with their
     * serializers; each pattern's entries are in the namespace of its name. What to clear on restore when a
     * pattern has left the set.
     */
    static List<org.apache.flink.api.common.state.StateDescriptor<?, ?>> states(
            KeyedStateBackend<?> backend, TypeSerializer<LogEvent> serializer, SharedBufferCacheConfig cache) {
        PatternStateStore store = new PatternStateStore(backend, "");
        store.getState(nfaDescriptor());
        store.getMapState(queueDescriptor(serializer));
        new SharedBuffer<>(store, serializer, cache).releaseCacheStatisticsTimer();
        return store.descriptors();
    }

    /** @return false when the event came too late (at or behind the watermark, in event time) */
    boolean process(LogEvent event, long timestamp) throws Exception {
        if (pattern.processingTime()) {
            NFAState state = state();
            long now = host.currentProcessingTime();
            try (SharedBufferAccessor<LogEvent> access = buffer.getAccessor()) {
                advance(access, state, now);
                feed(access, state, event, now);
            }
            store(state);
            return true;
        }
        if (timestamp <= host.currentWatermark()) {
            return false;
        }
        List<LogEvent> atTime = queue.get(timestamp);
        if (atTime == null) {
            atTime = new ArrayList<>();
            host.registerTimer(pattern.name(), timestamp, false);
        }
        atTime.add(event);
        queue.put(timestamp, atTime);
        return true;
    }

    /** A timer of this pattern fired for the current key. */
    void onTimer() throws Exception {
        NFAState stored = nfaState.value();
        if (stored == null && (pattern.processingTime() || queue.isEmpty())) {
            // Nothing in progress: the key went idle (a burst completed, or its windows ended) after this timer
            // was set. Most window timers end like this; they touch no other state.
            return;
        }
        NFAState state = stored != null ? stored : nfa.createInitialNFAState();
        try (SharedBufferAccessor<LogEvent> access = buffer.getAccessor()) {
            if (pattern.processingTime()) {
                advance(access, state, host.currentProcessingTime());
            } else {
                long watermark = host.currentWatermark();
                PriorityQueue<Long> times = new PriorityQueue<>();
                for (Long t : queue.keys()) {
                    times.add(t);
                }
                while (!times.isEmpty() && times.peek() <= watermark) {
                    long t = times.poll();
                    advance(access, state, t);
                    for (LogEvent e : queue.get(t)) {
                        feed(access, state, e, t);
                    }
                    queue.remove(t);
                }
                advance(access, state, watermark);
            }
        }
        if (!store(state)) {
            long end = earliestWindowEnd(state);
            if (end != NO_WINDOW) {
                host.registerTimer(pattern.name(), end, pattern.processingTime());
            }
        }
    }

    /*
     * Window timers: Flink's CEP operator sets one for every new partial match, at the end of its window. Here a
     * key keeps at least one pending at or before the earliest end of its partial matches' windows: a new partial
     * match sets one only when no older one is in progress (whose timer, or an earlier one, is pending), and a
     * timer that fires sets the next at the new earliest end. Each window still ends at its own time, with a
     * fraction of the timers (a burst of five errors used to make five).
     */

    /**
     * The end of the earliest window in progress, or {@link #NO_WINDOW}: of the partial matches past the start
     * state (so with a first event), the first event's time plus the window, as Flink's NFA times them out (the
     * patterns use only the pattern-wide window).
     */
    private long earliestWindowEnd(NFAState state) {
        long window = nfa.getWindowTime();
        long end = NO_WINDOW;
        if (window > 0) {
            for (org.apache.flink.cep.nfa.ComputationState c : state.getPartialMatches()) {
                if (c.getStartEventID() != null) {
                    end = Math.min(end, c.getStartTimestamp() + window);
                }
            }
        }
        return end;
    }

    void close() throws Exception {
        nfa.close();
        buffer.releaseCacheStatisticsTimer();
    }

    /** For tests. */
    SharedBuffer<LogEvent> buffer() {
        return buffer;
    }

    private NFAState state() throws Exception {
        NFAState s = nfaState.value();
        return s != null ? s : nfa.createInitialNFAState();
    }

    /** The accessor is closed (its cache written to state) once per event or timer, not per NFA call. */
    private void feed(SharedBufferAccessor<LogEvent> access, NFAState state, LogEvent event, long timestamp)
            throws Exception {
        Collection<Map<String, List<LogEvent>>> matches =
                nfa.process(access, state, event, timestamp, pattern.skip(), clock);
        long end = timestamp + nfa.getWindowTime();
        // A timer only when the new partial match is the oldest in progress (see earliestWindowEnd).
        if (nfa.getWindowTime() > 0 && state.isNewStartPartialMatch() && earliestWindowEnd(state) == end) {
            host.registerTimer(pattern.name(), end, pattern.processingTime());
        }
        emit(matches, timestamp);
    }

    private void advance(SharedBufferAccessor<LogEvent> access, NFAState state, long timestamp) throws Exception {
        if (!windowEnded(state, timestamp)) {
            return;
        }
        Tuple2<Collection<Map<String, List<LogEvent>>>, Collection<Tuple2<Map<String, List<LogEvent>>, Long>>>
                result = nfa.advanceTime(access, state, timestamp, pattern.skip());
        // Timed-out partial matches are not alerts (see AlertFunction); pending absence matches are.
        emit(result.f0, timestamp);
    }

    /**
     * Whether the NFA's advanceTime would end anything: a partial match whose window is over. Otherwise the call
     * would only walk the partial matches and prune the shared buffer's per-timestamp counters, which the window
     * timers and the idle clear do anyway.
     */
    private boolean windowEnded(NFAState state, long timestamp) {
        long end = earliestWindowEnd(state);
        return end != NO_WINDOW && end <= timestamp;
    }

    private void emit(Collection<Map<String, List<LogEvent>>> matches, long timestamp) throws Exception {
        if (matches.isEmpty()) {
            return;
        }
        context.timestamp = timestamp;
        for (Map<String, List<LogEvent>> match : matches) {
            long at = pattern.function().raisedAt(match, host.currentProcessingTime());
            if (at == Long.MIN_VALUE || host.suppressed(pattern, at)) {
                continue; // a burst inside its quiet period: counted, and its alert is never built
            }
            pattern.function().processMatch(match, context, collector);
            for (Alert a : matched) {
                host.emit(pattern, a, pattern.processingTime() ? null : timestamp);
            }
            matched.clear();
        }
    }

    /**
     * Writes the NFA state back, or clears every state of the key when nothing is in progress any more (only
     * the start state left, no event waiting for the watermark): the shared buffer then holds no event either,
     * and its per-timestamp counters serve no one.
     *
     * @return whether the key was idle (and its states cleared)
     */
    private boolean store(NFAState state) throws Exception {
        boolean idle = state.getPartialMatches().size() == 1 && state.getCompletedMatches().isEmpty()
                && state.getPartialMatches().peek().getPreviousBufferEntry() == null && queue.isEmpty();
        if (idle) {
            for (State s : states.states()) {
                s.clear();
            }
            return true;
        }
        if (state.isStateChanged()) {
            state.resetStateChanged();
            state.resetNewStartPartialMatch();
            nfaState.update(state);
        }
        return false;
    }

    /** The context CEP hands a pattern function; alerts take no side outputs. */
    private final class MatchContext implements PatternProcessFunction.Context {
        long timestamp;

        @Override
        public long timestamp() {
            return timestamp;
        }

        @Override
        public long currentProcessingTime() {
            return host.currentProcessingTime();
        }

        @Override
        public <X> void output(OutputTag<X> outputTag, X value) {
            throw new UnsupportedOperationException("alert patterns have no side outputs");
        }
    }
}
