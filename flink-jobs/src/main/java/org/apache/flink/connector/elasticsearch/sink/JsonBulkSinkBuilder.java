package org.apache.flink.connector.elasticsearch.sink;

import io.dls.job.index.BulkSender;
import io.dls.job.index.JsonBulk;
import io.dls.job.index.WriterServices;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.api.connector.sink2.WriterInitContext;
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

    /** The sink, with the services each of its writers needs. */
    public static <T> Sink<T> resilient(ElasticsearchSink<T> sink, WriterServices.Factory services) {
        return new Resilient<>(sink, services);
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

        Resilient(ElasticsearchSink<T> sink, WriterServices.Factory services) {
            this.sink = sink;
            this.services = services;
        }

        @Override
        @SuppressWarnings("deprecation")
        public SinkWriter<T> createWriter(InitContext context) throws IOException {
            return withServices(context.metricGroup(), () -> sink.createWriter(context));
        }

        @Override
        public SinkWriter<T> createWriter(WriterInitContext context) throws IOException {
            return withServices(context.metricGroup(), () -> sink.createWriter(context));
        }

        private SinkWriter<T> withServices(MetricGroup group, WriterMaker<T> make) throws IOException {
            WriterServices s = services.create(group);
            CURRENT.set(s);
            try {
                return new Closing<>(make.make(), s);
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

    private record Closing<T>(SinkWriter<T> writer, WriterServices services) implements SinkWriter<T> {
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
