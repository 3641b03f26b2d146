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
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;

import java.util.ArrayList;
import java.util.List;

/**
 * Gives one pattern its own names in a keyed state store shared by every pattern of the operator: Flink CEP's
 * {@code SharedBuffer} names its map states the same for every pattern, so each pattern's buffer sees its
 * states under {@code <pattern>/<name>}. Keeps the states it made, so a key whose pattern has nothing left
 * in progress can be cleared whole.
 */
final class PrefixedStateStore implements KeyedStateStore {

    private final KeyedStateStore store;
    private final String prefix;
    private final List<State> made = new ArrayList<>();
    private final List<org.apache.flink.api.common.state.StateDescriptor<?, ?>> described = new ArrayList<>();

    PrefixedStateStore(KeyedStateStore store, String patternName) {
        this.store = store;
        this.prefix = patternName + "/";
    }

    /** The states made through this store (for the current key, as keyed states are). */
    List<State> states() {
        return made;
    }

    /** The descriptors (with the pattern's names) of the states made through this store. */
    List<org.apache.flink.api.common.state.StateDescriptor<?, ?>> descriptors() {
        return described;
    }

    @Override
    public <T> ValueState<T> getState(ValueStateDescriptor<T> d) {
        return keep(store.getState(describe(new ValueStateDescriptor<>(prefix + d.getName(), serializerOf(d)))));
    }

    @Override
    public <T> ListState<T> getListState(ListStateDescriptor<T> d) {
        return keep(store.getListState(describe(new ListStateDescriptor<>(prefix + d.getName(), d.getElementSerializer()))));
    }

    @Override
    public <T> ReducingState<T> getReducingState(ReducingStateDescriptor<T> d) {
        return keep(store.getReducingState(
                describe(new ReducingStateDescriptor<>(prefix + d.getName(), d.getReduceFunction(), serializerOf(d)))));
    }

    @Override
    public <I, A, O> AggregatingState<I, O> getAggregatingState(AggregatingStateDescriptor<I, A, O> d) {
        return keep(store.getAggregatingState(describe(
                new AggregatingStateDescriptor<>(prefix + d.getName(), d.getAggregateFunction(), serializerOf(d)))));
    }

    @Override
    public <K, V> MapState<K, V> getMapState(MapStateDescriptor<K, V> d) {
        return keep(store.getMapState(
                describe(new MapStateDescriptor<>(prefix + d.getName(), d.getKeySerializer(), d.getValueSerializer()))));
    }

    private <D extends org.apache.flink.api.common.state.StateDescriptor<?, ?>> D describe(D d) {
        described.add(d);
        return d;
    }

    private <S extends State> S keep(S state) {
        made.add(state);
        return state;
    }

    private static <T> org.apache.flink.api.common.typeutils.TypeSerializer<T> serializerOf(
            org.apache.flink.api.common.state.StateDescriptor<?, T> d) {
        if (!d.isSerializerInitialized()) {
            throw new IllegalStateException("state " + d.getName() + " has no serializer yet");
        }
        return d.getSerializer();
    }
}
