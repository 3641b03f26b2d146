package io.dls.job.patterns;

import io.dls.job.normalize.LogEvent;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichFlatMapFunction;
import org.apache.flink.metrics.Counter;
import org.apache.flink.util.Collector;

import java.util.BitSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The one step between the events and every alert pattern: finds the patterns an event concerns
 * ({@link PrefilterIndex}) and sends it once per key field among them, so an event that concerns no pattern
 * costs a few lookups and is not shuffled at all.
 */
public class Dispatch extends RichFlatMapFunction<LogEvent, Dispatched> {

    private final PrefilterIndex index;
    /** Position in the pattern list -> position of its key field in {@link #keyFields}. */
    private final int[] groupOf;
    private final String[] keyFields;

    private transient BitSet selected;
    /** Per key field: how many of the selected patterns it keys (this event's). */
    private transient int[] inGroup;
    private transient Counter dispatched;

    public Dispatch(List<CompiledPattern> patterns) {
        this.index = new PrefilterIndex(patterns);
        Map<String, Integer> groups = new LinkedHashMap<>();
        groupOf = new int[patterns.size()];
        for (int i = 0; i < patterns.size(); i++) {
            groupOf[i] = groups.computeIfAbsent(patterns.get(i).keyField(), f -> groups.size());
        }
        keyFields = groups.keySet().toArray(String[]::new);
    }

    @Override
    public void open(OpenContext openContext) {
        selected = new BitSet(index.size());
        inGroup = new int[keyFields.length];
        dispatched = getRuntimeContext().getMetricGroup().counter("eventsToPatterns");
    }

    @Override
    public void flatMap(LogEvent event, Collector<Dispatched> out) {
        index.select(event, selected);
        if (selected.isEmpty()) {
            return;
        }
        dispatched.inc();
        java.util.Arrays.fill(inGroup, 0);
        for (int p = selected.nextSetBit(0); p >= 0; p = selected.nextSetBit(p + 1)) {
            inGroup[groupOf[p]]++;
        }
        for (int g = 0; g < keyFields.length; g++) {
            if (inGroup[g] == 0) {
                continue;
            }
            int[] patterns = new int[inGroup[g]];
            int i = 0;
            for (int p = selected.nextSetBit(0); p >= 0; p = selected.nextSetBit(p + 1)) {
                if (groupOf[p] == g) {
                    patterns[i++] = p;
                }
            }
            out.collect(new Dispatched(Dispatched.key(keyFields[g], event.get(keyFields[g])), patterns, event));
        }
    }
}
