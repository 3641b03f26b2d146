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
        dispatched = getRuntimeContext().getMetricGroup().counter("eventsToPatterns");
    }

    @Override
    public void flatMap(LogEvent event, Collector<Dispatched> out) {
        index.select(event, selected);
        if (selected.isEmpty()) {
            return;
        }
        dispatched.inc();
        for (int g = 0; g < keyFields.length; g++) {
            int group = g;
            int[] patterns = selected.stream().filter(p -> groupOf[p] == group).toArray();
            if (patterns.length > 0) {
                out.collect(new Dispatched(Dispatched.key(keyFields[g], event.get(keyFields[g])), patterns, event));
            }
        }
    }
}
