package io.dls.job.index;

import io.dls.job.route.Output;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A record of all_logs or alerts to its Elasticsearch document ({@link StoredDocument}); heartbeats are left out,
 * and a record that is no document goes to the dead-letter topic ({@link #DEAD_LETTERS}) with its reason.
 * Metrics: {@code dlsLagMillis}, how far behind the clock the last record read is (its Kafka timestamp is the
 * event's time, so this is the indexing delay while events arrive live); {@code dlsHeartbeatsSkipped};
 * {@code dlsNotDocuments}.
 */
public final class ToDocument extends ProcessFunction<IndexInput, Document> {
    private static final Logger log = LoggerFactory.getLogger(ToDocument.class);
    public static final OutputTag<Output> DEAD_LETTERS = new OutputTag<>("dead-letters") { };

    private final String alertsTopic;
    private final String deadLetterTopic;
    private transient volatile long lastTimestamp;
    private transient Counter heartbeats;
    private transient Counter notDocuments;

    public ToDocument(String alertsTopic, String deadLetterTopic) {
        this.alertsTopic = alertsTopic;
        this.deadLetterTopic = deadLetterTopic;
    }

    @Override
    public void open(OpenContext ctx) {
        lastTimestamp = -1;
        var group = getRuntimeContext().getMetricGroup();
        heartbeats = group.counter("dlsHeartbeatsSkipped");
        notDocuments = group.counter("dlsNotDocuments");
        group.gauge("dlsLagMillis", () -> lastTimestamp < 0 ? 0L : Math.max(0L, System.currentTimeMillis() - lastTimestamp));
    }

    @Override
    public void processElement(IndexInput in, Context ctx, Collector<Document> out) {
        if (in.timestamp > lastTimestamp) {
            lastTimestamp = in.timestamp;
        }
        StoredDocument.Result result = StoredDocument.of(in.value, alertsTopic.equals(in.topic));
        if (result instanceof StoredDocument.Store s) {
            out.collect(s.document());
        } else if (result instanceof StoredDocument.Skip) {
            heartbeats.inc();
        } else if (result instanceof StoredDocument.Refuse r) {
            notDocuments.inc();
            log.warn("a record of {} is not a document ({}: {}); it is on {}", in.topic, r.reason(), r.detail(),
                    deadLetterTopic);
            DeadLetter d = new DeadLetter(r.reason(), null, null, 0, null, r.detail(), in.topic, in.value);
            ctx.output(DEAD_LETTERS, new Output(deadLetterTopic, null, d.json(System.currentTimeMillis())));
        }
    }
}
