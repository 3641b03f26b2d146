package io.dls.job.route;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.io.SerializedString;
import io.dls.job.normalize.LogEvent;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.List;
import java.util.Map;

/** JSON encoding of output documents; one mapper per JVM (it is thread-safe once configured). */
public final class Json {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    // The document's own field names, encoded once: Jackson copies their bytes instead of encoding each name
    // char by char for every event.
    private static final SerializedString TIMESTAMP = new SerializedString("@timestamp");
    private static final SerializedString MESSAGE = new SerializedString("message");
    private static final SerializedString LOG = new SerializedString("log");
    private static final SerializedString LEVEL = new SerializedString("level");
    private static final SerializedString SERVICE = new SerializedString("service");
    private static final SerializedString HOST = new SerializedString("host");
    private static final SerializedString NAME = new SerializedString("name");
    private static final SerializedString EVENT = new SerializedString("event");
    private static final SerializedString ID = new SerializedString("id");
    private static final SerializedString KIND = new SerializedString("kind");
    private static final SerializedString DATASET = new SerializedString("dataset");
    private static final SerializedString TYPE = new SerializedString("type");
    private static final SerializedString REASON = new SerializedString("reason");
    private static final SerializedString TAGS = new SerializedString("tags");
    private static final SerializedString STATUS = new SerializedString("status");
    private static final SerializedString ERROR = new SerializedString("error");
    private static final SerializedString FIELDS = new SerializedString("fields");
    private static final SerializedString METADATA = new SerializedString("metadata");

    private Json() {
    }

    /**
     * The event's document (the same bytes as {@code bytes(e.toDocument())}), written straight from the event:
     * this runs once for every event, and building the document's maps first cost as much as writing them.
     */
    public static byte[] bytes(LogEvent e) {
        // Room for a typical document besides its message (about 300 bytes with a short one), so that most
        // events are written without the buffer growing and being copied on the way.
        ByteArrayOutputStream out = new ByteArrayOutputStream(512 + (e.message == null ? 0 : e.message.length()));
        try (JsonGenerator g = MAPPER.getFactory().createGenerator(out, JsonEncoding.UTF8)) {
            g.writeStartObject();
            field(g, TIMESTAMP, e.timestamp);
            if (e.message != null) {
                field(g, MESSAGE, e.message);
            }
            g.writeFieldName(LOG);
            g.writeStartObject();
            field(g, LEVEL, e.level);
            g.writeEndObject();
            if (e.service != null) {
                g.writeFieldName(SERVICE);
                g.writeStartObject();
                field(g, NAME, e.service);
                g.writeEndObject();
            }
            if (e.host != null) {
                g.writeFieldName(HOST);
                g.writeStartObject();
                field(g, NAME, e.host);
                g.writeEndObject();
            }
            g.writeFieldName(EVENT);
            g.writeStartObject();
            field(g, ID, e.eventId);
            field(g, KIND, e.kind);
            field(g, DATASET, e.dataset);
            if (e.type != null) {
                field(g, TYPE, e.type);
            }
            if (e.reason != null) {
                field(g, REASON, e.reason);
            }
            g.writeEndObject();
            if (e.tags != null && !e.tags.isEmpty()) {
                g.writeFieldName(TAGS);
                value(g, e.tags);
            }
            if (e.status != null) {
                field(g, STATUS, e.status);
            }
            if (e.error != null && !e.error.isEmpty()) {
                g.writeFieldName(ERROR);
                value(g, e.error);
            }
            if (e.fields != null && !e.fields.isEmpty()) {
                g.writeFieldName(FIELDS);
                value(g, e.fields);
            }
            if (e.metadata != null && !e.metadata.isEmpty()) {
                g.writeFieldName(METADATA);
                value(g, e.metadata);
            }
            g.writeEndObject();
        } catch (IOException x) {
            throw new IllegalStateException("event cannot be written as JSON", x);
        }
        return out.toByteArray();
    }

    private static void field(JsonGenerator g, SerializedString name, String value) throws IOException {
        g.writeFieldName(name);
        g.writeString(value);
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
