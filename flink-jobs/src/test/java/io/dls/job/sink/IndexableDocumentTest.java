package io.dls.job.sink;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.dls.job.normalize.AliasConfig;
import io.dls.job.normalize.LogEvent;
import io.dls.job.normalize.Normalizer;
import io.dls.job.route.Json;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The Elasticsearch form of events (HostileRecordsTest shows a real Elasticsearch takes it). */
class IndexableDocumentTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static LogEvent event(Map<String, Object> record) {
        return new Normalizer(AliasConfig.defaults()).normalize("t", 1_700_000_000L, 0, record, "id");
    }

    private static JsonNode es(LogEvent e) throws Exception {
        return JSON.readTree(IndexableDocument.of(e, Json.bytes(e.toDocument())));
    }

    @Test
    void scalarFieldsKeepTheKafkaBytes() {
        LogEvent e = event(new LinkedHashMap<>(Map.of("message", "m", "order_id", 42L, "ids", List.of(1L, "a"))));
        byte[] json = Json.bytes(e.toDocument());
        assertThat(IndexableDocument.of(e, json)).isSameAs(json);
    }

    @Test
    void structuresBecomeJsonTextInElasticsearchOnly() throws Exception {
        Map<String, Object> rec = new LinkedHashMap<>();
        rec.put("message", "m");
        rec.put("detail", Map.of("x", 1L));
        rec.put("mixed", List.of(1L, Map.of("b", 2L)));
        rec.put("error", Map.of("message", Map.of("m", 1L), "code", 5L));
        LogEvent e = event(rec);
        JsonNode d = es(e);
        assertThat(d.at("/fields/detail").asText()).isEqualTo("{\"x\":1}");
        assertThat(d.at("/fields/mixed").asText()).isEqualTo("[1,{\"b\":2}]");
        assertThat(d.at("/error/message").asText()).isEqualTo("{\"m\":1}");
        assertThat(d.at("/error/code").asLong()).isEqualTo(5);
        assertThat(d.path("tags").toString()).contains(IndexableDocument.TAG);
        assertThat(d.at("/event/reason").asText()).contains("JSON text");
        assertThat(e.fields.get("detail")).as("the event itself is untouched").isEqualTo(Map.of("x", 1L));
        assertThat(e.tags).isNull();
    }

    @Test
    void keysElasticsearchWouldRefuseAreRenamed() throws Exception {
        Map<String, Object> rec = new LinkedHashMap<>();
        rec.put("message", "m");
        rec.put("a.b", 1L);
        rec.put("a_b", 2L);
        rec.put("", "empty");
        rec.put("   ", "blank");
        rec.put("...", "dots");
        rec.put("k".repeat(5000), "long");
        JsonNode f = es(event(rec)).path("fields");
        assertThat(f.path("a_b").asLong()).as("the first of two keys that meet keeps the name").isEqualTo(1);
        assertThat(f.path("a_b_").asLong()).isEqualTo(2);
        assertThat(f.path("_empty").asText()).isEqualTo("empty");
        assertThat(f.path("_empty_").asText()).isEqualTo("blank");
        assertThat(f.path("___").asText()).isEqualTo("dots");
        f.fieldNames().forEachRemaining(k -> assertThat(k).doesNotContain(".").isNotBlank()
                .hasSizeLessThanOrEqualTo(IndexableDocument.MAX_KEY_CHARS));
    }

    @Test
    void atMostAHundredKeysTheRestInOne() throws Exception {
        Map<String, Object> rec = new LinkedHashMap<>();
        rec.put("message", "m");
        for (int i = 0; i < 500; i++) {
            rec.put("k" + i, i);
        }
        JsonNode f = es(event(rec)).path("fields");
        assertThat(f.size()).isEqualTo(IndexableDocument.MAX_KEYS);
        assertThat(JSON.readTree(f.path("_more").asText()).size()).isEqualTo(500 - IndexableDocument.MAX_KEYS + 1);
    }
}
