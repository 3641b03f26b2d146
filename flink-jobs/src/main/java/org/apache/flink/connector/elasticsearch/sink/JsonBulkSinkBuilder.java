package org.apache.flink.connector.elasticsearch.sink;

import io.dls.job.index.BulkSender;
import io.dls.job.index.JsonBulk;
import io.dls.job.index.WriterServices;
import org.apache.flink.api.common.operators.ProcessingTimeService;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.api.connector.sink2.WriterInitContext;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.metrics.MetricGroup;
import org.elasticsearch.action.ActionListener;
import org.elasticsearch.action.bulk.BackoffPolicy;
import org.elasticsearch.action.bulk.BulkProcessor;
import org.elasticsearch.action.bulk.BulkRequest;
import org.elasticsearch.action.bulk.BulkResponse;
import org.elasticsearch.client.RequestOptions;
import org.elasticsearch.client.Response;
import org.elasticsearch.client.ResponseListener;
import org.elasticsearch.client.RestHighLevelClient;
import org.elasticsearch.common.unit.ByteSizeUnit;
import org.elasticsearch.common.unit.ByteSizeValue;

import java.io.IOException;

/**
 * The connector's Elasticsearch 7 sink with three changes:
 * <ul>
 *   <li>bulk requests carry each document's JSON as it is ({@link JsonBulk}) instead of the high-level client's
 *       parse-and-rewrite of every document;</li>
 *   <li>the sink never fails because of Elasticsearch: each bulk is answered only when every document is
 *       stored, counted as stored (409 on our own id), stored in its text form, or on the dead-letter topic
 *       ({@link BulkSender}). The connector's writer, its flush on checkpoint and at-least-once stay as they are;</li>
 *   <li>the flush interval ({@link #setBulkFlushInterval}) runs on the task's own processing-time timer, in the
 *       task thread, instead of on the bulk processor's flush thread.</li>
 * </ul>
 * Build it with {@link #buildResilient}: each writer gets its {@link WriterServices} (metrics, dead-letter
 * producer, retry thread).
 *
 * <p>Why the flush interval is ours: the connector runs the bulk processor with no concurrent requests, so the
 * thread that sends a bulk waits until it is answered, and our sender answers only when Elasticsearch took it,
 * however long that is. The bulk processor's own flush thread would wait like that while holding the processor's
 * lock, and the task thread would then wait for that lock (in its next write or checkpoint flush) in
 * {@code ReentrantLock.lock}, which ignores interrupts. Flink cancels a task by interrupting its thread: during
 * an Elasticsearch outage a cancelled index job would not end, and after {@code task.cancellation.timeout}
 * (180 s) Flink would kill the whole TaskManager with every other job's tasks on it. With the interval flush in
 * the task thread, no other thread ever takes the processor's lock, and the task thread only ever waits for a
 * bulk in the request handler's latch or semaphore, or in the mailbox, all of which an interrupt ends.
 *
 * <p>It lives in the connector's package because the extension point, {@code getBulkProcessorBuilderFactory},
 * speaks package-private types.
 */
public class JsonBulkSinkBuilder<IN> extends Elasticsearch7SinkBuilder<IN> {

    /** The services of the writer being created: handed from {@link Resilient#createWriter} to the factory. */
    private static final ThreadLocal<WriterServices> CURRENT = new ThreadLocal<>();

    /** The flush interval, ms, run by {@link Closing} on the task's timer; -1: none. */
    private long flushIntervalMs = -1;

    /**
     * Sends what the writer holds every {@code intervalMillis}, from the task's processing-time timer. The bulk
     * processor itself gets no flush interval (see the class comment).
     */
    @Override
    public Elasticsearch7SinkBuilder<IN> setBulkFlushInterval(long intervalMillis) {
        if (intervalMillis <= 0) {
            throw new IllegalArgumentException("the bulk flush interval must be positive, not " + intervalMillis);
        }
        this.flushIntervalMs = intervalMillis;
        return this;
    }

    /**
     * The sink, with the services each of its writers needs and the flush interval on the task's timer.
     * At-least-once only: the interval flush is the writer's checkpoint flush, which sends nothing otherwise.
     */
    public Sink<IN> buildResilient(WriterServices.Factory services) {
        ElasticsearchSink<IN> sink = build();
        if (sink.getDeliveryGuarantee() != DeliveryGuarantee.AT_LEAST_ONCE) {
            throw new IllegalStateException("the index job's Elasticsearch sink is at-least-once (setDeliveryGuarantee"
                    + "(AT_LEAST_ONCE)); its interval flush and its flush on checkpoint depend on it");
        }
        return new Resilient<>(sink, services, flushIntervalMs);
    }

    @Override
    protected BulkProcessorBuilderFactory getBulkProcessorBuilderFactory() {
        return new Factory();
    }

    private static final class Factory implements BulkProcessorBuilderFactory {
        private static final long serialVersionUID = 1L;

        @Override
        public BulkProcessor.Builder apply(RestHighLevelClient client, BulkProcessorConfig config,
                                           BulkProcessor.Listener listener) {
            WriterServices services = CURRENT.get();
            if (services == null) {
                throw new IllegalStateException("build the sink with JsonBulkSinkBuilder.buildResilient(...): its"
                        + " writers need their WriterServices");
            }
            BulkSender sender = services.sender((bulk, l) -> send(client, bulk, l));
            BulkProcessor.Builder builder = BulkProcessor.builder(sender::send, listener);
            if (config.getBulkFlushMaxActions() != -1) {
                builder.setBulkActions(config.getBulkFlushMaxActions());
            }
            if (config.getBulkFlushMaxMb() != -1) {
                builder.setBulkSize(new ByteSizeValue(config.getBulkFlushMaxMb(), ByteSizeUnit.MB));
            }
            // No flush interval here, ever: the processor's flush thread would hold its lock while a bulk waits
            // for Elasticsearch (see the class comment). setBulkFlushInterval keeps it from the config.
            if (config.getBulkFlushInterval() != -1) {
                throw new IllegalStateException("the bulk processor must not flush on its own thread; the interval"
                        + " flush runs on the task's timer (JsonBulkSinkBuilder.setBulkFlushInterval)");
            }
            // The sender retries (for as long as it takes); the processor's own retry would only see successes.
            builder.setBackoffPolicy(BackoffPolicy.noBackoff());
            return builder;
        }
    }

    /** One bulk request: as plain JSON when {@link JsonBulk#applies}, through the client otherwise. */
    public static void send(RestHighLevelClient client, BulkRequest bulk, ActionListener<BulkResponse> listener) {
        if (!JsonBulk.applies(bulk)) {
            client.bulkAsync(bulk, RequestOptions.DEFAULT, listener);
            return;
        }
        client.getLowLevelClient().performRequestAsync(JsonBulk.request(bulk), new ResponseListener() {
            @Override
            public void onSuccess(Response response) {
                BulkResponse parsed;
                try {
                    parsed = JsonBulk.response(bulk, response);
                } catch (Exception e) {
                    listener.onFailure(e);
                    return;
                }
                listener.onResponse(parsed);
            }

            @Override
            public void onFailure(Exception e) {
                listener.onFailure(e);
            }
        });
    }

    /** Gives each writer its services and its interval flush, and closes the services with it. */
    private static final class Resilient<T> implements Sink<T> {
        private static final long serialVersionUID = 1L;
        private final ElasticsearchSink<T> sink;
        private final WriterServices.Factory services;
        private final long flushIntervalMs;

        Resilient(ElasticsearchSink<T> sink, WriterServices.Factory services, long flushIntervalMs) {
            this.sink = sink;
            this.services = services;
            this.flushIntervalMs = flushIntervalMs;
        }

        @Override
        @SuppressWarnings("deprecation")
        public SinkWriter<T> createWriter(InitContext context) throws IOException {
            return withServices(context.metricGroup(), context.getProcessingTimeService(),
                    () -> sink.createWriter(context));
        }

        @Override
        public SinkWriter<T> createWriter(WriterInitContext context) throws IOException {
            return withServices(context.metricGroup(), context.getProcessingTimeService(),
                    () -> sink.createWriter(context));
        }

        private SinkWriter<T> withServices(MetricGroup group, ProcessingTimeService time, WriterMaker<T> make)
                throws IOException {
            WriterServices s = services.create(group);
            CURRENT.set(s);
            try {
                return new Closing<>(make.make(), s, time, flushIntervalMs);
            } catch (IOException | RuntimeException e) {
                s.close();
                throw e;
            } finally {
                CURRENT.remove();
            }
        }
    }

    @FunctionalInterface
    private interface WriterMaker<T> {
        SinkWriter<T> make() throws IOException;
    }

    /**
     * The connector's writer, flushed on the task's own processing-time timer, closing its services after it.
     * Timers, writes, checkpoints and close all run in the task thread (the mailbox), one at a time.
     */
    private static final class Closing<T> implements SinkWriter<T> {
        private final SinkWriter<T> writer;
        private final WriterServices services;
        private final ProcessingTimeService time;
        private final long intervalMs;
        private boolean closed;

        Closing(SinkWriter<T> writer, WriterServices services, ProcessingTimeService time, long intervalMs) {
            this.writer = writer;
            this.services = services;
            this.time = time;
            this.intervalMs = intervalMs;
            scheduleFlush();
        }

        private void scheduleFlush() {
            if (intervalMs > 0 && !closed) {
                time.registerTimer(time.getCurrentProcessingTime() + intervalMs, now -> flushOnInterval());
            }
        }

        /**
         * What the bulk processor's interval flush did, in the task thread: sends what the writer holds and waits
         * for Elasticsearch's answer (the writer's flush, as on a checkpoint). While Elasticsearch is down this
         * waits, interruptibly, for as long as the sender retries; the next interval starts after it. Once the
         * task finishes, Flink fires no more timers.
         */
        private void flushOnInterval() throws IOException, InterruptedException {
            if (closed) {
                return;
            }
            writer.flush(false);
            scheduleFlush();
        }

        @Override
        public void write(T element, Context context) throws IOException, InterruptedException {
            writer.write(element, context);
        }

        @Override
        public void flush(boolean endOfInput) throws IOException, InterruptedException {
            writer.flush(endOfInput);
        }

        @Override
        public void writeWatermark(org.apache.flink.api.common.eventtime.Watermark watermark)
                throws IOException, InterruptedException {
            writer.writeWatermark(watermark);
        }

        @Override
        public void close() throws Exception {
            closed = true;
            // First release a bulk that waits for Elasticsearch: the connector's close flushes and waits.
            services.abort();
            try {
                writer.close();
            } finally {
                services.close();
            }
        }
    }
}
