package io.dls.job.route;

import io.dls.job.patterns.Alert;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichFlatMapFunction;
import org.apache.flink.metrics.Counter;
import org.apache.flink.util.Collector;

import java.util.HashMap;
import java.util.Map;

/**
 * Each alert to its pattern's topic and to the alerts topic (the one the index job and the notifier read),
 * written as JSON once. Counts them per pattern: metric {@code alertsEmitted} in group {@code pattern=<name>}.
 */
public final class AlertOutputs extends RichFlatMapFunction<Alert, Output> {
    private final String alertsTopic;
    private transient Map<String, Counter> emitted;

    public AlertOutputs(String alertsTopic) {
        this.alertsTopic = alertsTopic;
    }

    @Override
    public void open(OpenContext ctx) {
        emitted = new HashMap<>();
    }

    @Override
    public void flatMap(Alert a, Collector<Output> out) {
        byte[] json = Json.bytes(a.toDocument());
        out.collect(new Output(a.topic, a.keyValue, json));
        if (!alertsTopic.equals(a.topic)) {
            out.collect(new Output(alertsTopic, a.keyValue, json));
        }
        emitted.computeIfAbsent(a.pattern == null ? "" : a.pattern, p ->
                getRuntimeContext().getMetricGroup().addGroup("pattern", p).counter("alertsEmitted")).inc();
    }
}
