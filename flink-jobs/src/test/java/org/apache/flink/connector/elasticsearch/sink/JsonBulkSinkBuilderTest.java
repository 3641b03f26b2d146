package org.apache.flink.connector.elasticsearch.sink;

import com.sun.net.httpserver.HttpServer;
import io.dls.job.support.TestElasticsearch;
import org.apache.http.HttpHost;
import org.elasticsearch.action.bulk.BulkProcessor;
import org.elasticsearch.action.bulk.BulkRequest;
import org.elasticsearch.action.bulk.BulkResponse;
import org.elasticsearch.action.index.IndexRequest;
import org.elasticsearch.client.RestClient;
import org.elasticsearch.client.RestHighLevelClient;
import org.elasticsearch.common.xcontent.XContentType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The bulk processor our sink builder makes, against a real Elasticsearch node behind a proxy that refuses
 * the first whole bulk requests with 429, as a tripped circuit breaker does.
 */
class JsonBulkSinkBuilderTest {
    private static final String REFUSAL = "{\"error\":{\"type\":\"circuit_breaking_exception\",\"reason\":\"[parent] Data too large\"},\"status\":429}";
    private final AtomicInteger refusalsLeft = new AtomicInteger();
    private final AtomicInteger bulks = new AtomicInteger();
    private HttpServer proxy;
    private RestHighLevelClient client;

    @BeforeEach
    void startProxy() throws Exception {
        String es = TestElasticsearch.url();
        HttpClient http = HttpClient.newHttpClient();
        proxy = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        proxy.createContext("/", exchange -> {
            byte[] body = exchange.getRequestBody().readAllBytes();
            int status;
            byte[] answer;
            if (exchange.getRequestURI().getPath().equals("/_bulk")) {
                bulks.incrementAndGet();
            }
            if (exchange.getRequestURI().getPath().equals("/_bulk") && refusalsLeft.getAndDecrement() > 0) {
                status = 429;
                answer = REFUSAL.getBytes(StandardCharsets.UTF_8);
            } else {
                try {
                    HttpResponse<byte[]> r = http.send(HttpRequest.newBuilder(URI.create(es + exchange.getRequestURI()))
                            .method(exchange.getRequestMethod(), HttpRequest.BodyPublishers.ofByteArray(body))
                            .header("Content-Type", "application/json").build(), HttpResponse.BodyHandlers.ofByteArray());
                    status = r.statusCode();
                    answer = r.body();
                } catch (InterruptedException e) {
                    throw new java.io.IOException(e);
                }
            }
            exchange.getResponseHeaders().set("Content-Type", "application/json; charset=UTF-8");
            exchange.sendResponseHeaders(status, answer.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(answer);
            }
        });
        proxy.start();
        client = new RestHighLevelClient(RestClient.builder(new HttpHost("127.0.0.1", proxy.getAddress().getPort())));
    }

    @AfterEach
    void stop() throws Exception {
        client.close();
        proxy.stop(0);
    }

    /** Flushes 10 documents through the processor and waits for its verdict. */
    private Object flush(String index, int retries) throws Exception {
        CompletableFuture<Object> outcome = new CompletableFuture<>();
        BulkProcessor.Listener listener = new BulkProcessor.Listener() {
            @Override
            public void beforeBulk(long id, BulkRequest request) {
            }

            @Override
            public void afterBulk(long id, BulkRequest request, BulkResponse response) {
                outcome.complete(response);
            }

            @Override
            public void afterBulk(long id, BulkRequest request, Throwable failure) {
                outcome.complete(failure);
            }
        };
        BulkProcessorConfig config = new BulkProcessorConfig(10, -1, -1, FlushBackoffType.CONSTANT, retries, 50);
        BulkProcessor processor = new JsonBulkSinkBuilder<>().getBulkProcessorBuilderFactory()
                .apply(client, config, listener).setConcurrentRequests(0).build();
        for (int i = 0; i < 10; i++) {
            processor.add(new IndexRequest(index).id("d" + i).source("{\"n\":" + i + "}", XContentType.JSON));
        }
        Object result = outcome.get(60, TimeUnit.SECONDS);
        processor.close();
        return result;
    }

    @Test
    void aWholeBulkRefusedWith429IsSentAgainAfterTheBackoff() throws Exception {
        String index = "retry-" + UUID.randomUUID().toString().substring(0, 8);
        refusalsLeft.set(2);
        Object result = flush(index, 3);
        assertThat(result).isInstanceOf(BulkResponse.class);
        assertThat(((BulkResponse) result).hasFailures()).isFalse();
        assertThat(bulks.get()).isEqualTo(3);
        assertThat(TestElasticsearch.count(index)).isEqualTo(10);
    }

    @Test
    void refusalsBeyondTheRetriesFailWithTheStatus() throws Exception {
        String index = "retry-" + UUID.randomUUID().toString().substring(0, 8);
        refusalsLeft.set(1000);
        Object result = flush(index, 2);
        assertThat(result).isInstanceOf(Throwable.class);
        assertThat(((Throwable) result).getMessage()).contains("429");
        assertThat(bulks.get()).isEqualTo(3);
    }
}
