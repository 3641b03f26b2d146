package io.dls.job.index;

import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.Serializable;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What one Elasticsearch writer of the index job owns besides the connector's writer: a thread for retries and
 * dead letters, the dead-letter producer, its metrics, and the retention runs. Closed with the writer.
 */
public final class WriterServices implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(WriterServices.class);

    private final IndexSettings settings;
    private final ScheduledExecutorService executor;
    private final DeadLetterProducer deadLetters;
    private final ElasticsearchHttp es;
    private final IndexMetrics metrics;
    private final java.util.List<BulkSender> senders = new java.util.concurrent.CopyOnWriteArrayList<>();

    /** Makes the services of each writer; travels with the job graph. */
    public record Factory(IndexSettings settings) implements Serializable {
        public WriterServices create(MetricGroup metrics) {
            return new WriterServices(settings, metrics);
        }
    }

    private WriterServices(IndexSettings settings, MetricGroup group) {
        this.settings = settings;
        this.executor = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "dls-index-bulks");
            t.setDaemon(true);
            return t;
        });
        this.deadLetters = new DeadLetterProducer(settings.kafka(), settings.deadLetterTopic());
        this.es = new ElasticsearchHttp(settings.esBaseUrl(), settings.esUsername(), settings.esPassword());
        this.metrics = flinkMetrics(group);
        if (settings.retentionDays() > 0) {
            Retention retention = new Retention(es, settings.retentionDays());
            executor.scheduleWithFixedDelay(retention::run, 1, 60, TimeUnit.MINUTES);
        }
    }

    private static IndexMetrics flinkMetrics(MetricGroup group) {
        Counter asText = group.counter("dlsStoredAsText");
        Counter deadLettered = group.counter("dlsDeadLettered");
        Counter conflicts = group.counter("dlsConflictsCountedAsStored");
        Counter retried = group.counter("dlsRetried");
        AtomicInteger waiting = new AtomicInteger();
        group.gauge("dlsWaitingForElasticsearch", waiting::get);
        return new IndexMetrics() {
            @Override public void storedAsText(int n) { asText.inc(n); }
            @Override public void deadLettered(int n) { deadLettered.inc(n); }
            @Override public void conflicts(int n) { conflicts.inc(n); }
            @Override public void retried(int n) { retried.inc(n); }
            @Override public void waiting(boolean w) { waiting.set(w ? 1 : 0); }
        };
    }

    /** The sender of this writer's bulks over the given transport. */
    public BulkSender sender(BulkSender.Transport transport) {
        BulkSender s = new BulkSender(transport, deadLetters, () -> IndexTemplates.install(es, settings.esUsername()),
                metrics, executor);
        senders.add(s);
        return s;
    }

    /** Before the writer closes: bulks waiting for Elasticsearch give up at once (see {@link BulkSender#abort}). */
    public void abort() {
        senders.forEach(BulkSender::abort);
    }

    @Override
    public void close() {
        executor.shutdownNow();
        try {
            deadLetters.close();
        } catch (RuntimeException e) {
            log.warn("closing the dead-letter producer: {}", e.toString());
        }
    }
}
