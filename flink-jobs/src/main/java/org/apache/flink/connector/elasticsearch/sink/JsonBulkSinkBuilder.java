package org.apache.flink.connector.elasticsearch.sink;

import io.dls.job.sink.JsonBulk;
import org.elasticsearch.ElasticsearchStatusException;
import org.elasticsearch.action.ActionListener;
import org.elasticsearch.action.bulk.BackoffPolicy;
import org.elasticsearch.action.bulk.BulkProcessor;
import org.elasticsearch.action.bulk.BulkRequest;
import org.elasticsearch.action.bulk.BulkResponse;
import org.elasticsearch.client.RequestOptions;
import org.elasticsearch.client.Response;
import org.elasticsearch.client.ResponseException;
import org.elasticsearch.client.ResponseListener;
import org.elasticsearch.client.RestHighLevelClient;
import org.elasticsearch.common.unit.ByteSizeUnit;
import org.elasticsearch.common.unit.ByteSizeValue;
import org.elasticsearch.common.unit.TimeValue;
import org.elasticsearch.rest.RestStatus;
import org.elasticsearch.transport.RemoteTransportException;

/**
 * The connector's Elasticsearch 7 sink, with bulk requests that carry each document's JSON as it is
 * ({@link JsonBulk}) instead of the high-level client's parse-and-rewrite of every document.
 *
 * <p>It lives in the connector's package because the extension point, {@code getBulkProcessorBuilderFactory},
 * speaks package-private types. Everything else (the writer, flush on checkpoint, failure handling, retries
 * with backoff) is the connector's own; the bulk processor is configured exactly as
 * {@link Elasticsearch7SinkBuilder} configures it.
 */
public class JsonBulkSinkBuilder<IN> extends Elasticsearch7SinkBuilder<IN> {

    @Override
    protected BulkProcessorBuilderFactory getBulkProcessorBuilderFactory() {
        return new Factory();
    }

    private static final class Factory implements BulkProcessorBuilderFactory {
        private static final long serialVersionUID = 1L;

        @Override
        public BulkProcessor.Builder apply(RestHighLevelClient client, BulkProcessorConfig config,
                                           BulkProcessor.Listener listener) {
            BulkProcessor.Builder builder = BulkProcessor.builder(new Send(client), listener);
            if (config.getBulkFlushMaxActions() != -1) {
                builder.setBulkActions(config.getBulkFlushMaxActions());
            }
            if (config.getBulkFlushMaxMb() != -1) {
                builder.setBulkSize(new ByteSizeValue(config.getBulkFlushMaxMb(), ByteSizeUnit.MB));
            }
            if (config.getBulkFlushInterval() != -1) {
                builder.setFlushInterval(new TimeValue(config.getBulkFlushInterval()));
            }
            TimeValue delay = new TimeValue(config.getBulkFlushBackOffDelay());
            int retries = config.getBulkFlushBackoffRetries();
            builder.setBackoffPolicy(switch (config.getFlushBackoffType()) {
                case CONSTANT -> BackoffPolicy.constantBackoff(delay, retries);
                case EXPONENTIAL -> BackoffPolicy.exponentialBackoff(delay, retries);
                case NONE -> BackoffPolicy.noBackoff();
            });
            return builder;
        }
    }

    /**
     * A whole request refused with 429 (Elasticsearch's circuit breakers, a full write queue) is worth trying
     * again after the backoff, as the bulk processor already does for single refused documents. Its retry
     * logic recognises only a transport exception with that status, so that is what it is given.
     */
    static Exception retryable(Exception e) {
        if (e instanceof ResponseException r && r.getResponse().getStatusLine().getStatusCode() == 429) {
            return new RemoteTransportException(r.getMessage(),
                    new ElasticsearchStatusException(r.getMessage(), RestStatus.TOO_MANY_REQUESTS, r));
        }
        return e;
    }

    /** One bulk request: as plain JSON when {@link JsonBulk#applies}, through the client otherwise. */
    private static final class Send implements BulkRequestConsumerFactory {
        private final RestHighLevelClient client;

        Send(RestHighLevelClient client) {
            this.client = client;
        }

        @Override
        public void accept(BulkRequest bulk, ActionListener<BulkResponse> listener) {
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
                    listener.onFailure(retryable(e));
                }
            });
        }
    }
}
