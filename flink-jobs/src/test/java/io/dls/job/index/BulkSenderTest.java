package io.dls.job.index;

import com.fasterxml.jackson.databind.JsonNode;
import io.dls.job.support.EsProxy;
import io.dls.job.support.TestElasticsearch;
import org.apache.flink.connector.elasticsearch.sink.JsonBulkSinkBuilder;
import org.apache.http.HttpHost;
import org.elasticsearch.action.ActionListener;
import org.elasticsearch.action.bulk.BulkRequest;
import org.elasticsearch.action.bulk.BulkResponse;
import org.elasticsearch.action.index.IndexRequest;
import org.elasticsearch.client.RestClient;
import org.elasticsearch.client.RestHighLevelClient;
import org.elasticsearch.common.xcontent.XContentType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The sender of the index job's bulks against a real Elasticsearch node, with a proxy in front of it that can
 * answer 429 or 503 for it: every bulk ends in success for the sink, whatever Elasticsearch says.
 */
class BulkSenderTest {
    private EsProxy proxy;
    private RestHighLevelClient client;
    private ScheduledExecutorService executor;
    private final List<DeadLetter> deadLetters = new ArrayList<>();
    private final AtomicInteger deadLetterFailures = new AtomicInteger();
    private final AtomicInteger templateInstalls = new AtomicInteger();
    private final Counts counts = new Counts();

    static final class Counts implements IndexMetrics {
        final AtomicInteger asText = new AtomicInteger();
        final AtomicInteger dead = new AtomicInteger();
        final AtomicInteger retried = new AtomicInteger();

        @Override public void storedAsText(int n) { asText.addAndGet(n); }
        @Override public void deadLettered(int n) { dead.addAndGet(n); }
        @Override public void conflicts(int n) { }
        @Override public void retried(int n) { retried.addAndGet(n); }
        @Override public void waiting(boolean w) { }
    }

    @BeforeEach
    void start() throws Exception {
        proxy = new EsProxy();
        client = new RestHighLevelClient(RestClient.builder(HttpHost.create(proxy.url())));
        executor = Executors.newSingleThreadScheduledExecutor();
    }

    @AfterEach
    void stop() throws Exception {
        executor.shutdownNow();
        client.close();
        proxy.close();
    }

    private BulkSender sender() {
        return new BulkSender((bulk, l) -> JsonBulkSinkBuilder.send(client, bulk, l), letters -> {
            if (deadLetterFailures.getAndDecrement() > 0) {
                throw new java.io.IOException("Kafka is down (test)");
            }
            synchronized (deadLetters) {
                deadLetters.addAll(letters);
            }
        }, () -> {
            templateInstalls.incrementAndGet();
            IndexTemplates.install(proxy.url(), null, null);
        }, counts, executor);
    }

    private static BulkRequest bulk(String index, List<String> sources) {
        BulkRequest b = new BulkRequest();
        for (int i = 0; i < sources.size(); i++) {
            b.add(new IndexRequest(index).id("d" + i).source(sources.get(i), XContentType.JSON));
        }
        return b;
    }

    private static BulkResponse send(BulkSender s, BulkRequest b) throws Exception {
        CompletableFuture<BulkResponse> answer = new CompletableFuture<>();
        s.send(b, ActionListener.wrap(answer::complete, answer::completeExceptionally));
        return answer.get(90, TimeUnit.SECONDS);
    }

    private static List<String> docs(int n) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add("{\"@timestamp\":\"2026-12-01T10:00:00Z\",\"message\":\"m" + i + "\",\"event\":{\"id\":\"d" + i + "\"}}");
        }
        return out;
    }

    @Test
    void wholeBulksRefusedWith429AreSentAgainUntilTaken() throws Exception {
        String index = "logs-retry-" + UUID.randomUUID().toString().substring(0, 8);
        proxy.mode(EsProxy.Mode.BULKS_429);
        BulkSender s = sender();
        CompletableFuture<BulkResponse> answer = new CompletableFuture<>();
        s.send(bulk(index, docs(10)), ActionListener.wrap(answer::complete, answer::completeExceptionally));
        await().atMost(30, TimeUnit.SECONDS).until(() -> proxy.refused() >= 4);
        assertThat(answer).as("no answer while Elasticsearch refuses").isNotDone();
        proxy.mode(EsProxy.Mode.FORWARD);
        BulkResponse r = answer.get(30, TimeUnit.SECONDS);
        assertThat(r.hasFailures()).isFalse();
        assertThat(r.getItems()).hasSize(10);
        assertThat(TestElasticsearch.count(index)).isEqualTo(10);
        assertThat(counts.retried.get()).isGreaterThanOrEqualTo(40);
        assertThat(deadLetters).isEmpty();
    }

    @Test
    void templatesWaitForElasticsearchAndGoInBeforeTheFirstDocument() throws Exception {
        String index = "logs-" + UUID.randomUUID().toString().substring(0, 8);
        proxy.mode(EsProxy.Mode.ALL_503);
        BulkSender s = sender();
        CompletableFuture<BulkResponse> answer = new CompletableFuture<>();
        s.send(bulk(index, docs(3)), ActionListener.wrap(answer::complete, answer::completeExceptionally));
        await().atMost(30, TimeUnit.SECONDS).until(() -> templateInstalls.get() >= 3);
        assertThat(proxy.bulks()).as("no bulk before the templates are in").isZero();
        proxy.mode(EsProxy.Mode.FORWARD);
        assertThat(answer.get(30, TimeUnit.SECONDS).hasFailures()).isFalse();
        // The index got the template's mapping: fields is not indexed, fields_kv is a keyword.
        JsonNode mapping = TestElasticsearch.get("/" + index + "/_mapping").path(index).path("mappings");
        assertThat(mapping.path("dynamic").asText()).isEqualTo("false");
        assertThat(mapping.at("/properties/fields/enabled").asBoolean(true)).isFalse();
        assertThat(mapping.at("/properties/fields_kv/type").asText()).isEqualTo("keyword");
    }

    @Test
    void aRefusedDocumentIsStoredAsTextAndTheOthersAsTheyAre() throws Exception {
        String index = "logs-" + UUID.randomUUID().toString().substring(0, 8);
        List<String> docs = docs(5);
        // error.message is text in the template: an object there is a mapping conflict (400).
        docs.set(2, "{\"@timestamp\":\"2026-12-01T10:00:00Z\",\"message\":\"odd\",\"event\":{\"id\":\"d2\",\"dataset\":\"app\"},"
                + "\"error\":{\"message\":{\"code\":7}}}");
        BulkResponse r = send(sender(), bulk(index, docs));
        assertThat(r.hasFailures()).isFalse();
        assertThat(TestElasticsearch.count(index)).isEqualTo(5);
        JsonNode odd = TestElasticsearch.get("/" + index + "/_doc/d2").path("_source");
        assertThat(odd.path("tags").toString()).contains(SafeForm.TAG);
        assertThat(odd.at("/event/reason").asText()).contains("400").contains("mapper_parsing_exception");
        assertThat(odd.path("original").asText()).contains("\"code\":7");
        assertThat(odd.at("/event/dataset").asText()).isEqualTo("app");
        assertThat(counts.asText.get()).isEqualTo(1);
        assertThat(deadLetters).isEmpty();
    }

    @Test
    void aDocumentRefusedTwiceIsADeadLetterWithTheReasonAndTheRestIsStored() throws Exception {
        String closed = "logs-closed-" + UUID.randomUUID().toString().substring(0, 8);
        String open = "logs-open-" + UUID.randomUUID().toString().substring(0, 8);
        TestElasticsearch.put("/" + closed, "{}");
        TestElasticsearch.post("/" + closed + "/_close", "");
        BulkRequest b = bulk(open, docs(4));
        b.add(new IndexRequest(closed).id("late").source("{\"message\":\"late event\",\"event\":{\"id\":\"late\"}}",
                XContentType.JSON));
        deadLetterFailures.set(2); // Kafka refuses the dead letter twice: it is kept and written again
        BulkResponse r = send(sender(), b);
        assertThat(r.hasFailures()).isFalse();
        assertThat(TestElasticsearch.count(open)).isEqualTo(4);
        assertThat(deadLetters).singleElement().satisfies(d -> {
            assertThat(d.reason()).isEqualTo(DeadLetter.Reason.REFUSED);
            assertThat(d.index()).isEqualTo(closed);
            assertThat(d.id()).isEqualTo("late");
            assertThat(d.status()).isEqualTo(400);
            assertThat(d.errorType()).isEqualTo("index_closed_exception");
            assertThat(new String(d.document())).isEqualTo("{\"message\":\"late event\",\"event\":{\"id\":\"late\"}}");
        });
        assertThat(counts.dead.get()).isEqualTo(1);
        TestElasticsearch.delete("/" + closed);
    }
}
