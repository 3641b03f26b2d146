package io.dls.job.index;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.dls.job.support.TestElasticsearch;
import org.apache.http.HttpHost;
import org.elasticsearch.action.bulk.BulkItemResponse;
import org.elasticsearch.action.bulk.BulkRequest;
import org.elasticsearch.action.bulk.BulkResponse;
import org.elasticsearch.action.delete.DeleteRequest;
import org.elasticsearch.action.index.IndexRequest;
import org.elasticsearch.action.support.WriteRequest;
import org.elasticsearch.client.RestClient;
import org.elasticsearch.common.xcontent.XContentType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/** Bulk requests written from the documents' own JSON, against a real Elasticsearch node. */
class JsonBulkTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static RestClient client;

    @BeforeAll
    static void connect() {
        client = RestClient.builder(HttpHost.create(TestElasticsearch.url())).build();
    }

    @AfterAll
    static void close() throws Exception {
        client.close();
    }

    private static IndexRequest doc(String index, String id, String json) {
        return new IndexRequest(index).id(id).source(json.getBytes(StandardCharsets.UTF_8), XContentType.JSON);
    }

    @Test
    void bodyIsActionLineThenTheDocumentsOwnBytes() throws Exception {
        BulkRequest bulk = new BulkRequest().add(doc("logs-x", "id \"1\"", "{\"a\":1}")).add(doc("logs-y", "2", "{\"b\":\"é\"}"));
        assertThat(JsonBulk.applies(bulk)).isTrue();
        assertThat(new String(JsonBulk.body(JsonBulk.request(bulk)), StandardCharsets.UTF_8)).isEqualTo(
                "{\"index\":{\"_index\":\"logs-x\",\"_id\":\"id \\\"1\\\"\"}}\n{\"a\":1}\n"
                        + "{\"index\":{\"_index\":\"logs-y\",\"_id\":\"2\"}}\n{\"b\":\"é\"}\n");
    }

    @Test
    void anythingButPlainIndexingGoesThroughTheClient() {
        assertThat(JsonBulk.applies(new BulkRequest().add(new DeleteRequest("i", "1")))).isFalse();
        assertThat(JsonBulk.applies(new BulkRequest().add(doc("i", "1", "{}").routing("r")))).isFalse();
        assertThat(JsonBulk.applies(new BulkRequest().add(doc("i", "1", "{}").setPipeline("p")))).isFalse();
        assertThat(JsonBulk.applies(new BulkRequest().add(doc("i", "1", "{}").version(3)))).isFalse();
        assertThat(JsonBulk.applies(new BulkRequest().add(doc("i", "1", "{}").create(true)))).isFalse();
        assertThat(JsonBulk.applies(new BulkRequest().add(new IndexRequest("i").source("{}", XContentType.JSON)))).isFalse();
        assertThat(JsonBulk.applies(new BulkRequest().add(doc("i", "1", "{}"))
                .setRefreshPolicy(WriteRequest.RefreshPolicy.IMMEDIATE))).isFalse();
    }

    @Test
    void storedAsSentAndEveryItemASuccess() throws Exception {
        String index = "jsonbulk-" + UUID.randomUUID().toString().substring(0, 8);
        BulkRequest bulk = new BulkRequest();
        for (int i = 0; i < 50; i++) {
            bulk.add(doc(index, "d" + i, "{\"n\":" + i + ",\"text\":\"line " + i + " \\u00e9\"}"));
        }
        BulkResponse response = JsonBulk.response(bulk, client.performRequest(JsonBulk.request(bulk)));
        assertThat(response.hasFailures()).isFalse();
        assertThat(response.getItems()).hasSize(50);
        assertThat(response.getItems()[7].getId()).isEqualTo("d7");
        assertThat(response.getItems()[7].getIndex()).isEqualTo(index);
        JsonNode stored = TestElasticsearch.get("/" + index + "/_doc/d7");
        assertThat(stored.at("/_source/text").asText()).isEqualTo("line 7 é");
        assertThat(TestElasticsearch.count(index)).isEqualTo(50);
    }

    @Test
    void aRefusedDocumentIsReadInFullWithItsReason() throws Exception {
        String index = "jsonbulk-" + UUID.randomUUID().toString().substring(0, 8);
        BulkRequest first = new BulkRequest().add(doc(index, "a", "{\"n\":1}"));
        JsonBulk.response(first, client.performRequest(JsonBulk.request(first)));
        // n is a long now: an object there is refused for good, the document beside it is indexed.
        BulkRequest bulk = new BulkRequest().add(doc(index, "b", "{\"n\":2}")).add(doc(index, "c", "{\"n\":{\"x\":1}}"));
        BulkResponse response = JsonBulk.response(bulk, client.performRequest(JsonBulk.request(bulk)));
        assertThat(response.hasFailures()).isTrue();
        BulkItemResponse refused = response.getItems()[1];
        assertThat(refused.isFailed()).isTrue();
        assertThat(refused.getId()).isEqualTo("c");
        assertThat(refused.getFailureMessage()).contains("mapper_parsing_exception");
        assertThat(response.getItems()[0].isFailed()).isFalse();
    }

    @Test
    void tookIsReadOnlyWhenThereAreNoErrors() throws Exception {
        assertThat(JsonBulk.tookWithoutErrors("{\"took\":12,\"errors\":false,\"items\":[]}".getBytes())).isEqualTo(12);
        assertThat(JsonBulk.tookWithoutErrors("{\"took\":12,\"ingest_took\":3,\"errors\":false}".getBytes())).isEqualTo(12);
        assertThat(JsonBulk.tookWithoutErrors("{\"took\":12,\"errors\":true,\"items\":[]}".getBytes())).isEqualTo(-1);
        assertThat(JsonBulk.tookWithoutErrors("{\"errors\":false,\"took\":12}".getBytes())).isEqualTo(-1);
        assertThat(JsonBulk.tookWithoutErrors("[]".getBytes())).isEqualTo(-1);
    }
}
