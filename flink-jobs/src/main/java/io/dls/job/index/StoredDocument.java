package io.dls.job.index;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.dls.contracts.IndexNames;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.List;

/**
 * The Elasticsearch form of one record of the index job's input topics: the event or alert JSON as the pipeline
 * job wrote it, plus {@code fields_kv} (see {@link FieldPairs}) for events. The index template maps a fixed set of
 * fields and keeps {@code fields} unindexed, so no record can add a field to the mapping.
 */
public final class StoredDocument {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    public static final String PAIRS_FIELD = "fields_kv";

    /** What a record becomes. */
    public sealed interface Result permits Store, Skip, Refuse {
    }

    /** Index this document. */
    public record Store(Document document) implements Result {
    }

    /** Not for Elasticsearch (heartbeats: they are on all_logs, not in logs-*). */
    public record Skip(String why) implements Result {
    }

    /** Not a document at all: straight to the dead-letter topic with this reason. */
    public record Refuse(DeadLetter.Reason reason, String detail) implements Result {
    }

    private StoredDocument() {
    }

    /** @param alert whether the record comes from the alerts topic (alerts-YYYY.MM) or an events topic (logs-*) */
    public static Result of(byte[] json, boolean alert) {
        if (json == null) {
            return new Refuse(DeadLetter.Reason.NOT_JSON, "the record has no value");
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(json.length + 64);
        String timestamp = null;
        String id = null;
        String type = null;
        try (JsonParser p = MAPPER.createParser(json);
             JsonGenerator g = MAPPER.getFactory().createGenerator(out, JsonEncoding.UTF8)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return new Refuse(DeadLetter.Reason.NOT_JSON, "the record is not a JSON object");
            }
            g.writeStartObject();
            List<String> pairs = List.of();
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.getCurrentName();
                JsonToken value = p.nextToken();
                switch (name) {
                    case "@timestamp" -> {
                        timestamp = value == JsonToken.VALUE_STRING ? p.getText() : null;
                        g.writeFieldName(name);
                        g.copyCurrentStructure(p);
                    }
                    case "event" -> {
                        JsonNode event = p.readValueAsTree();
                        id = text(event, "id");
                        type = text(event, "type");
                        g.writeFieldName(name);
                        g.writeTree(event);
                    }
                    case "fields" -> {
                        JsonNode fields = p.readValueAsTree();
                        if (!alert) {
                            pairs = concat(FieldPairs.of(fields), pairs);
                        }
                        g.writeFieldName(name);
                        g.writeTree(fields);
                    }
                    case "metadata" -> {
                        JsonNode metadata = p.readValueAsTree();
                        if (!alert) {
                            pairs = concat(pairs, FieldPairs.of(metadata, "metadata."));
                        }
                        g.writeFieldName(name);
                        g.writeTree(metadata);
                    }
                    case PAIRS_FIELD -> p.skipChildren(); // ours to write
                    default -> {
                        g.writeFieldName(name);
                        g.copyCurrentStructure(p);
                    }
                }
            }
            if (!pairs.isEmpty()) {
                g.writeArrayFieldStart(PAIRS_FIELD);
                for (String pair : pairs) {
                    g.writeString(pair);
                }
                g.writeEndArray();
            }
            g.writeEndObject();
        } catch (IOException e) {
            return new Refuse(DeadLetter.Reason.NOT_JSON, "the record is not valid JSON: " + (e instanceof com.fasterxml.jackson.core.JsonProcessingException j ? j.getOriginalMessage() : e.getMessage()));
        }
        if (!alert && "HEARTBEAT".equals(type)) {
            return new Skip("heartbeat");
        }
        if (id == null || id.isEmpty()) {
            return new Refuse(DeadLetter.Reason.NO_ID, "the record has no event.id");
        }
        var index = alert ? IndexNames.alertsOfTimestamp(timestamp) : IndexNames.logsOfTimestamp(timestamp);
        if (index.isEmpty()) {
            return new Refuse(DeadLetter.Reason.NO_TIMESTAMP,
                    "the record has no @timestamp in ISO-8601 UTC: " + timestamp);
        }
        return new Store(new Document(index.get(), id, out.toByteArray()));
    }

    private static List<String> concat(List<String> a, List<String> b) {
        if (a.isEmpty()) {
            return b;
        }
        if (b.isEmpty()) {
            return a;
        }
        List<String> out = new java.util.ArrayList<>(a);
        out.addAll(b);
        return out;
    }

    private static String text(JsonNode node, String field) {
        JsonNode v = node.get(field);
        return v != null && v.isTextual() ? v.asText() : null;
    }
}
