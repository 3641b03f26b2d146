package io.dls.job.route;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonGenerator;
import io.dls.job.normalize.LogEvent;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.List;
import java.util.Map;

/** JSON encoding of output documents; one mapper per JVM (it is thread-safe once configured). */
public final class Json {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private Json() {
    }

    /**
     * The event's document (the same bytes as {@code bytes(e.toDocument())}), written straight from the event:
     * this runs once for every event, and building the document's maps first cost as much as writing them.
     */
    public static byte[] bytes(LogEvent e) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(256 + (e.message == null ? 0 : e.message.length()));
        try (JsonGenerator g = MAPPER.getFactory().createGenerator(out, JsonEncoding.UTF8)) {
            g.writeStartObject();
            g.writeStringField("@timestamp", e.timestamp);
            if (e.message != null) {
                g.writeStringField("message", e.message);
            }
            g.writeObjectFieldStart("log");
            g.writeStringField("level", e.level);
            g.writeEndObject();
            if (e.service != null) {
                g.writeObjectFieldStart("service");
                g.writeStringField("name", e.service);
                g.writeEndObject();
            }
            if (e.host != null) {
                g.writeObjectFieldStart("host");
                g.writeStringField("name", e.host);
                g.writeEndObject();
            }
            g.writeObjectFieldStart("event");
            g.writeStringField("id", e.eventId);
            g.writeStringField("kind", e.kind);
            g.writeStringField("dataset", e.dataset);
            if (e.type != null) {
                g.writeStringField("type", e.type);
            }
            if (e.reason != null) {
                g.writeStringField("reason", e.reason);
            }
            g.writeEndObject();
            if (e.tags != null && !e.tags.isEmpty()) {
                g.writeFieldName("tags");
                value(g, e.tags);
            }
            if (e.status != null) {
                g.writeStringField("status", e.status);
            }
            if (e.error != null && !e.error.isEmpty()) {
                g.writeFieldName("error");
                value(g, e.error);
            }
            if (e.fields != null && !e.fields.isEmpty()) {
                g.writeFieldName("fields");
                value(g, e.fields);
            }
            if (e.metadata != null && !e.metadata.isEmpty()) {
                g.writeFieldName("metadata");
                value(g, e.metadata);
            }
            g.writeEndObject();
        } catch (IOException x) {
            throw new IllegalStateException("event cannot be written as JSON", x);
        }
        return out.toByteArray();
    }

    /** The plain values of a decoded record (see Msgpack); anything else as Jackson writes it. */
    private static void value(JsonGenerator g, Object v) throws IOException {
        if (v == null) {
            g.writeNull();
        } else if (v instanceof String s) {
            g.writeString(s);
        } else if (v instanceof Long l) {
            g.writeNumber(l);
        } else if (v instanceof Double d) {
            g.writeNumber(d);
        } else if (v instanceof Boolean b) {
            g.writeBoolean(b);
        } else if (v instanceof Map<?, ?> m) {
            g.writeStartObject();
            for (Map.Entry<?, ?> entry : m.entrySet()) {
                g.writeFieldName(String.valueOf(entry.getKey())); // decoded records have text keys only
                value(g, entry.getValue());
            }
            g.writeEndObject();
        } else if (v instanceof List<?> l) {
            g.writeStartArray();
            for (Object o : l) {
                value(g, o);
            }
            g.writeEndArray();
        } else {
            g.writeObject(v);
        }
    }

    public static byte[] bytes(Map<String, Object> doc) {
        try {
            return MAPPER.writeValueAsBytes(doc);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("document cannot be written as JSON", e);
        }
    }

    /** Any plain value (map, list, string, number, ...) as JSON text. */
    public static String text(Object value) {
        try {
            return MAPPER.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("value cannot be written as JSON", e);
        }
    }

    public static ObjectMapper mapper() {
        return MAPPER;
    }
}
