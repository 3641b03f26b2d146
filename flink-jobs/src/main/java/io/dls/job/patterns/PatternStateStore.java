package io.dls.job.patterns;

import org.apache.flink.api.common.state.AggregatingState;
import org.apache.flink.api.common.state.AggregatingStateDescriptor;
import org.apache.flink.api.common.state.KeyedStateStore;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ReducingState;
import org.apache.flink.api.common.state.ReducingStateDescriptor;
import org.apache.flink.api.common.state.State;
import org.apache.flink.api.common.state.StateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeutils.base.StringSerializer;
import org.apache.flink.runtime.state.KeyedStateBackend;
import org.apache.flink.runtime.state.internal.InternalKvState;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * One pattern's view of the keyed states every pattern of {@link PatternsOperator} shares: the same few
 * states (Flink CEP's NFA state and shared buffer maps, the event-time queue), with the pattern's name as
 * the state namespace. The operator therefore has five keyed states whatever the number of patterns: the
 * heap backend keeps a table per state and key group, and copies every one of them at each checkpoint, so
 * states named per pattern made 500 patterns cost thousands of tables and most of a core in snapshots.
 *
 * <p>Each call sets the namespace on the shared state first; the operator runs on one thread. Keeps the
 * states it made, so a key whose pattern has nothing left in progress can be cleared whole.
 */
final class PatternStateStore implements KeyedStateStore {

    private final KeyedStateBackend<?> backend;
    private final String pattern;
    private final List<State> made = new ArrayList<>();
    private final List<StateDescriptor<?, ?>> described = new ArrayList<>();

    PatternStateStore(KeyedStateBackend<?> backend, String pattern) {
        this.backend = backend;
        this.pattern = pattern;
    }

    /** The states made through this store, in the pattern's namespace (for the current key). */
    List<State> states() {
        return made;
    }

    /** The descriptors of the states made through this store: the same for every pattern. */
    List<StateDescriptor<?, ?>> descriptors() {
        return described;
    }

    @Override
    public <T> ValueState<T> getState(ValueStateDescriptor<T> d) {
        InternalKvState<?, String, T> s = shared(d);
        ValueState<T> state = (ValueState<T>) s;
        return keep(new ValueState<T>() {
            @Override
            public T value() throws java.io.IOException {
                s.setCurrentNamespace(pattern);
                return state.value();
            }

            @Override
            public void update(T value) throws java.io.IOException {
                s.setCurrentNamespace(pattern);
                state.update(value);
            }

            @Override
            public void clear() {
                s.setCurrentNamespace(pattern);
                state.clear();
            }
        });
    }

    @Override
    public <K, V> MapState<K, V> getMapState(MapStateDescriptor<K, V> d) {
        InternalKvState<?, String, Map<K, V>> s = shared(d);
        @SuppressWarnings("unchecked")
        MapState<K, V> state = (MapState<K, V>) s;
        return keep(new MapState<K, V>() {
            private MapState<K, V> at() {
                s.setCurrentNamespace(pattern);
                return state;
            }

            @Override
            public V get(K key) throws Exception {
                return at().get(key);
            }

            @Override
            public void put(K key, V value) throws Exception {
                at().put(key, value);
            }

            @Override
            public void putAll(Map<K, V> map) throws Exception {
                at().putAll(map);
            }

            @Override
            public void remove(K key) throws Exception {
                at().remove(key);
            }

            @Override
            public boolean contains(K key) throws Exception {
                return at().contains(key);
            }

            @Override
            public Iterable<Map.Entry<K, V>> entries() throws Exception {
                return at().entries();
            }

            @Override
            public Iterable<K> keys() throws Exception {
                return at().keys();
            }

            @Override
            public Iterable<V> values() throws Exception {
                return at().values();
            }

            @Override
            public Iterator<Map.Entry<K, V>> iterator() throws Exception {
                return at().iterator();
            }

            @Override
            public boolean isEmpty() throws Exception {
                return at().isEmpty();
            }

            @Override
            public void clear() {
                at().clear();
            }
        });
    }

    @Override
    public <T> ListState<T> getListState(ListStateDescriptor<T> d) {
        throw unsupported(d);
    }

    @Override
    public <T> ReducingState<T> getReducingState(ReducingStateDescriptor<T> d) {
        throw unsupported(d);
    }

    @Override
    public <I, A, O> AggregatingState<I, O> getAggregatingState(AggregatingStateDescriptor<I, A, O> d) {
        throw unsupported(d);
    }

    @SuppressWarnings("unchecked")
    private <V> InternalKvState<?, String, V> shared(StateDescriptor<?, V> d) {
        described.add(d);
        try {
            return (InternalKvState<?, String, V>) backend.getOrCreateKeyedState(StringSerializer.INSTANCE, d);
        } catch (Exception e) {
            throw new IllegalStateException("could not make the keyed state " + d.getName(), e);
        }
    }

    private <S extends State> S keep(S state) {
        made.add(state);
        return state;
    }

    private static UnsupportedOperationException unsupported(StateDescriptor<?, ?> d) {
        // Flink CEP's shared buffer uses map states only; a new state kind should be added here knowingly.
        return new UnsupportedOperationException("pattern state " + d.getName() + ": only value and map states");
    }
}
