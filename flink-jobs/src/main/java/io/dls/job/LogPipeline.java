package io.dls.job;

import io.dls.job.decode.DecodeFunction;
import io.dls.job.decode.InputLimits;
import io.dls.job.decode.InvalidRecord;
import io.dls.job.decode.RawRecord;
import io.dls.job.normalize.LogEvent;
import io.dls.job.normalize.LogEventSerializer;
import io.dls.job.normalize.Normalizer;
import io.dls.job.patterns.Alert;
import io.dls.job.patterns.PatternStreams;
import io.dls.job.route.AlertOutputs;
import io.dls.job.route.EventRouter;
import io.dls.job.route.FleetSilence;
import io.dls.job.route.FleetSilenceFunction;
import io.dls.job.route.Json;
import io.dls.job.route.NodeHealthFunction;
import io.dls.job.route.Output;
import io.dls.job.route.Topics;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;

import java.io.Serializable;
import java.util.function.Function;

/**
 * The job's dataflow, independent of where records come from and go to (tests pass their own source
 * stream and sinks): decode -> normalize -> route, alert patterns, node health -> Kafka topics only.
 * Every stateful operator has a stable uid, so savepoints survive changes around it.
 */
public final class LogPipeline {

    /** Turns events into alerts (the compiled alert patterns). */
    @FunctionalInterface
    public interface Alerting extends Serializable {
        DataStream<Alert> apply(DataStream<LogEvent> events);
    }

    /**
     * Where the pipeline writes: a Kafka sink per stream it carries, {@link #EVENTS} (every event, the bulk of the
     * data) and {@link #ALERTS} (alerts and invalid records). A sink with one input is chained to the operator
     * before it, so the events reach Kafka from the thread that decoded them; a sink shared through a union
     * could not be. Kafka is the only system the pipeline writes to: Elasticsearch is the index job's.
     */
    public record Sinks(Function<String, Sink<Output>> kafka) {
        public static final String EVENTS = "events";
        public static final String ALERTS = "alerts";
    }

    /** The streams the pipeline produced, for callers that want to observe them. */
    public record Streams(DataStream<LogEvent> events, DataStream<Alert> alerts, DataStream<InvalidRecord> invalid) {
    }

    private LogPipeline() {
    }

    public static Streams build(DataStream<RawRecord> raw, Topics topics, Normalizer normalizer, Alerting alerting,
                                Sinks sinks) {
        return build(raw, topics, normalizer, alerting, sinks, InputLimits.defaults());
    }

    /** @param limits what the decode step accepts before it changes a record (see {@link InputLimits}) */
    public static Streams build(DataStream<RawRecord> raw, Topics topics, Normalizer normalizer, Alerting alerting,
                                Sinks sinks, InputLimits limits) {
        return build(raw, topics, normalizer, alerting, sinks, limits, FleetSilence.defaults());
    }

    /** @param fleet when many silent nodes are one pipeline-silent alert (see {@link FleetSilence}) */
    public static Streams build(DataStream<RawRecord> raw, Topics topics, Normalizer normalizer, Alerting alerting,
                                Sinks sinks, InputLimits limits, FleetSilence fleet) {
        SingleOutputStreamOperator<LogEvent> events = raw
                // Events cross exchanges (patterns, node health) in a form of their own, not Flink's POJO + Kryo.
                .process(new DecodeFunction(normalizer, limits), LogEventSerializer.TYPE)
                .uid("decode").name("decode + normalize");
        DataStream<InvalidRecord> invalid = events.getSideOutput(DecodeFunction.INVALID);

        DataStream<Alert> patternAlerts = alerting.apply(events);
        DataStream<LogEvent> heartbeats = events
                .filter(e -> (e.isHeartbeat() || e.isRegistration() || e.isDeregistration()) && e.host != null)
                .name("heartbeats")
                .setBufferTimeout(PatternStreams.ALERT_PATH_BUFFER_TIMEOUT_MS);
        DataStream<Alert> recoveries = heartbeats
                .keyBy(e -> e.host)
                .connect(patternAlerts
                        .filter(a -> topics.nodeFailure().equals(a.topic) && "host.name".equals(a.keyField)
                                && a.keyValue != null).name("node failures")
                        .setBufferTimeout(PatternStreams.ALERT_PATH_BUFFER_TIMEOUT_MS)
                        .keyBy(a -> a.keyValue))
                .process(new NodeHealthFunction(topics)).uid("node-health").name("node health")
                .setBufferTimeout(PatternStreams.ALERT_PATH_BUFFER_TIMEOUT_MS);
        // One instance sees the whole fleet (a few heartbeats per node a minute). Always in the graph, even when
        // turned off, so a savepoint taken either way restores.
        DataStream<Alert> fleetAlerts = heartbeats
                .keyBy(e -> FleetSilenceFunction.KEY)
                .process(new FleetSilenceFunction(topics, fleet)).setParallelism(1)
                .uid("fleet-silence").name("fleet silence")
                .setBufferTimeout(PatternStreams.ALERT_PATH_BUFFER_TIMEOUT_MS);
        DataStream<Alert> alerts = patternAlerts.union(recoveries, fleetAlerts);

        SingleOutputStreamOperator<Output> routed = events.process(new EventRouter(topics))
                .uid("route-events").name("route events");
        routed.sinkTo(sinks.kafka().apply(Sinks.EVENTS)).uid("kafka-sink").name("kafka: events");

        // Alerts and invalid records are few: one writer each is plenty. Every alert goes to its pattern's topic
        // and to the alerts topic, the one the index job and the notifier read.
        DataStream<Output> alertOutputs = alerts
                .flatMap(new AlertOutputs(topics.alerts()))
                .returns(Output.class).uid("route-alerts").name("route alerts")
                .setBufferTimeout(PatternStreams.ALERT_PATH_BUFFER_TIMEOUT_MS)
                .union(invalid.map(i -> new Output(topics.invalid(), i.tag, Json.bytes(i.toDocument())))
                        .returns(Output.class).uid("route-invalid").name("route invalid"));
        alertOutputs.sinkTo(sinks.kafka().apply(Sinks.ALERTS)).setParallelism(1)
                .uid("kafka-sink-alerts").name("kafka: alerts, invalid");

        return new Streams(events, alerts, invalid);
    }
}
