package org.apache.flink.connector.elasticsearch.sink;

import io.dls.job.index.BulkSender;
import io.dls.job.index.JsonBulk;
import io.dls.job.index.WriterServices;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.api.connector.sink2.WriterInitContext;
import org.apache.flink.api.common.operators.ProcessingTimeService;
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
import org.elasticsearch.common.unit.TimeValue;

import java.io.IOException;

/**
 * The connector's Elasticsearch 7 sink with two changes, both in how a bulk request is sent:
 * <ul>
 *   <li>bulk requests carry each document's JSON as it is ({@link JsonBulk}) instead of the high-level client's
 *       parse-and-rewrite of every document;</li>
 *   <li>the sink never fails because of Elasticsearch: each bulk is answered only when every document is
 *       stored, counted as stored (409 on our own id), stored in its text form, or on the dead-letter topic
 *       ({@link BulkSender}). The connector's writer, its flush on checkpoint and at-least-once stay as they are.</li>
 * </ul>
 * Build the sink, then wrap it with {@link #resilient}: the wrapper gives each writer its
 * {@link WriterServices} (metrics, dead-letter producer, retry thread).
 *
 * <p>It lives in the connector's package because the extension point, {@code getBulkProcessorBuilderFactory},
 * speaks package-private types.
 */
public class JsonBulkSinkBuilder<IN> extends Elasticsearch7SinkBuilder<IN> {

    /** The services of the writer being created: handed from {@link Resilient#createWriter} to the factory. */
    private static final ThreadLocal<WriterServices> CURRENT = new ThreadLocal<>();

    /**
     * The sink, with the services each of its writers needs.
     *
     * @param sink            built with no bulk flush interval ({@code setBulkFlushInterval} unset): the bulk
     *                        processor's own interval flush runs on a thread of its own and holds the
     *                        processor's lock while a bulk waits for Elasticsearch, and a task thread blocked
     *                        on that lock ignores Flink's cancellation (Flink then kills the TaskManager)
     * @param flushIntervalMs the interval flush instead, from the task's own processing-time timers, so every
     *                        bulk runs in the task thread and waits interruptibly
     */
    public static <T> Sink<T> resilient(ElasticsearchSink<T> sink, WriterServices.Factory services,
                                        long flushIntervalMs) {
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
                throw new IllegalStateException("build the sink with JsonBulkSinkBuilder.resilient(...): its writers"
                        + " need their WriterServices");
            }
            BulkSender sender = services.sender((bulk, l) -> send(client, bulk, l));
            BulkProcessor.Builder builder = BulkProcessor.builder(sender::send, listener);
            if (config.getBulkFlushMaxActions() != -1) {
                builder.setBulkActions(config.getBulkFlushMaxActions());
            }
            if (config.getBulkFlushMaxMb() != -1) {
                builder.setBulkSize(new ByteSizeValue(config.getBulkFlushMaxMb(), ByteSizeUnit.MB));
            }
            if (config.getBulkFlushInterval() != -1) {
                builder.setFlushInterval(new TimeValue(config.getBulkFlushInterval()));
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

    /** Gives each writer its services and closes them with it. */
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

    /** The connector's writer, flushed on the task's own timer, closing its services after it. */
    private static final class Closing<T> implements SinkWriter<T> {
        private final SinkWriter<T> writer;
        private final WriterServices services;
        private final ProcessingTimeService time;
        private final long intervalMs;
        private volatile boolean closed;

        Closing(SinkWriter<T> writer, WriterServices services, ProcessingTimeService time, long intervalMs) {
            this.writer = writer;
            this.services = services;
            this.time = time;
            this.intervalMs = intervalMs;
            if (intervalMs > 0) {
                time.registerTimer(time.getCurrentProcessingTime() + intervalMs, this::onTimer);
            }
        }

        /** Runs in the task thread (the mailbox), like writes and checkpoints. */
        private void onTimer(long now) throws IOException, InterruptedException {
            if (closed) {
                return;
            }
            writer.flush(false);
            time.registerTimer(time.getCurrentProcessingTime() + intervalMs, this::onTimer);
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
