package io.dls.job;

import io.dls.job.decode.DecodeFunction;
import io.dls.job.decode.InputLimits;
import io.dls.job.decode.InvalidRecord;
import io.dls.job.decode.RawRecord;
import io.dls.job.normalize.LogEvent;
import io.dls.job.normalize.Normalizer;
import io.dls.job.patterns.Alert;
import io.dls.job.route.EventRouter;
import io.dls.job.route.Json;
import io.dls.job.route.NodeHealthFunction;
import io.dls.job.route.Output;
import io.dls.job.route.Topics;
import io.dls.job.sink.Document;
import io.dls.job.sink.Documents;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;

import java.io.Serializable;

/**
 * The job's dataflow, independent of where records come from and go to (tests pass their own source
 * stream and sinks): decode -> normalize -> route, alert patterns, node health -> Kafka + Elasticsearch.
 * Every stateful operator has a stable uid, so savepoints survive changes around it.
 */
public final class LogPipeline {

    /** Turns events into alerts (the compiled alert patterns). */
    @FunctionalInterface
    public interface Alerting extends Serializable {
        DataStream<Alert> apply(DataStream<LogEvent> events);
    }

    /** The streams the pipeline produced, for callers that want to observe them. */
    public record Streams(DataStream<LogEvent> events, DataStream<Alert> alerts, DataStream<InvalidRecord> invalid,
                          DataStream<Output> outputs, DataStream<Document> documents) {
    }

    private LogPipeline() {
    }

    public static Streams build(DataStream<RawRecord> raw, Topics topics, Normalizer normalizer, Alerting alerting,
                                Sink<Output> kafka, Sink<Document> elasticsearch) {
        return build(raw, topics, normalizer, alerting, kafka, elasticsearch, 0);
    }

    /**
     * @param esParallelism subtasks of the Elasticsearch sink, 0 for the job's: the connector sends one bulk
     *                      request at a time per subtask, so more subtasks mean more bulk requests in flight
     */
    public static Streams build(DataStream<RawRecord> raw, Topics topics, Normalizer normalizer, Alerting alerting,
                                Sink<Output> kafka, Sink<Document> elasticsearch, int esParallelism) {
        return build(raw, topics, normalizer, alerting, kafka, elasticsearch, esParallelism, InputLimits.defaults());
    }

    /** @param limits what the decode step accepts before it changes a record (see {@link InputLimits}) */
    public static Streams build(DataStream<RawRecord> raw, Topics topics, Normalizer normalizer, Alerting alerting,
                                Sink<Output> kafka, Sink<Document> elasticsearch, int esParallelism,
                                InputLimits limits) {
        SingleOutputStreamOperator<LogEvent> events = raw
                .process(new DecodeFunction(normalizer, limits)).uid("decode").name("decode + normalize");
        DataStream<InvalidRecord> invalid = events.getSideOutput(DecodeFunction.INVALID);

        DataStream<Alert> patternAlerts = alerting.apply(events);
        DataStream<Alert> recoveries = events
                .filter(e -> (e.isHeartbeat() || e.isRegistration()) && e.host != null).name("heartbeats")
                .keyBy(e -> e.host)
                .connect(patternAlerts
                        .filter(a -> topics.nodeFailure().equals(a.topic) && "host.name".equals(a.keyField)
                                && a.keyValue != null).name("node failures")
                        .keyBy(a -> a.keyValue))
                .process(new NodeHealthFunction(topics)).uid("node-health").name("node health");
        DataStream<Alert> alerts = patternAlerts.union(recoveries);

        SingleOutputStreamOperator<Output> routed = events.process(new EventRouter(topics))
                .uid("route-events").name("route events");
        DataStream<Output> outputs = routed
                .union(alerts.map(a -> new Output(a.topic, a.keyValue, Json.bytes(a.toDocument())))
                                .returns(Output.class).uid("route-alerts").name("route alerts"),
                        invalid.map(i -> new Output(topics.invalid(), i.tag, Json.bytes(i.toDocument())))
                                .returns(Output.class).uid("route-invalid").name("route invalid"));
        outputs.sinkTo(kafka).uid("kafka-sink").name("kafka: topics");

        DataStream<Document> documents = routed.getSideOutput(EventRouter.DOCUMENTS)
                .union(alerts.map(Documents::of).returns(Document.class).uid("alert-documents").name("alert documents"));
        var esSink = documents.sinkTo(elasticsearch).uid("elasticsearch-sink").name("elasticsearch: logs-*, alerts-*");
        if (esParallelism > 0) {
            esSink.setParallelism(esParallelism);
        }
        return new Streams(events, alerts, invalid, outputs, documents);
    }
}
