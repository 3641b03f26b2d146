package io.dls.job.index;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;

/**
 * The second try for a document Elasticsearch refused for good: only fields whose mapping cannot conflict
 * (the time, the id, the dataset, the message as text), the whole original document as unindexed text in
 * {@code original}, the tag {@value #TAG}, and Elasticsearch's reason in {@code event.reason}. It is still
 * found by time, id, dataset and message, and nothing of it is lost.
 */
public final class SafeForm {
    public static final String TAG = "indexed_as_text";
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final int MAX_REASON_CHARS = 1000;

    private SafeForm() {
    }

    /** @param refusal Elasticsearch's reason for refusing the original */
    public static byte[] of(byte[] original, String id, String refusal, long nowMillis) {
        JsonNode doc;
        try {
            doc = MAPPER.readTree(original);
        } catch (IOException e) {
            doc = null;
        }
        ObjectNode out = MAPPER.createObjectNode();
        JsonNode ts = doc == null ? null : doc.get("@timestamp");
        out.put("@timestamp", ts != null && ts.isTextual() && validTime(ts.asText()) ? ts.asText()
                : Instant.ofEpochMilli(nowMillis).toString());
        JsonNode message = doc == null ? null : doc.get("message");
        if (message != null && message.isTextual()) {
            out.put("message", message.asText());
        }
        ObjectNode event = out.putObject("event");
        event.put("id", id);
        JsonNode oldEvent = doc == null ? null : doc.get("event");
        for (String f : new String[]{"kind", "dataset"}) {
            JsonNode v = oldEvent == null ? null : oldEvent.get(f);
            if (v != null && v.isTextual()) {
                event.put(f, v.asText());
            }
        }
        String reason = "Elasticsearch refused the document (" + refusal + "); stored as text in 'original'";
        event.put("reason", reason.length() <= MAX_REASON_CHARS ? reason : reason.substring(0, MAX_REASON_CHARS - 3) + "...");
        ArrayNode tags = out.putArray("tags");
        tags.add(TAG);
        out.put("original", new String(original, StandardCharsets.UTF_8));
        try {
            return MAPPER.writeValueAsBytes(out);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("a tree of strings is always JSON", e);
        }
    }

    private static boolean validTime(String s) {
        try {
            Instant.parse(s);
            return true;
        } catch (RuntimeException e) {
            return false;
        }
    }
}
