package io.dls.job.index;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.nio.charset.StandardCharsets;
import java.time.Instant;

/**
 * A record of the dead-letter topic (logs.dead-letter): a document that is not in Elasticsearch, and why. JSON:
 * {@code @timestamp} (when it was set aside), {@code reason} (one of {@link Reason}, lower case),
 * {@code index}, {@code id}, {@code status} (Elasticsearch's HTTP status, when it refused),
 * {@code error.type} and {@code error.message} (Elasticsearch's, or ours), {@code source_topic}, and
 * {@code document} (the record as text: it may not be JSON at all).
 */
public record DeadLetter(Reason reason, String index, String id, int status, String errorType, String errorMessage,
                         String sourceTopic, byte[] document) {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    /** Longest document text kept: the topic's records stay well under Kafka's 1 MiB. */
    static final int MAX_DOCUMENT_CHARS = 512 * 1024;

    public enum Reason {
        /** Elasticsearch refused the document and then its text form (a 4xx other than 409 and 429). */
        REFUSED,
        /** The input record is not a JSON object. */
        NOT_JSON,
        /** The input record has no event.id, so it cannot be stored idempotently. */
        NO_ID,
        /** The input record has no @timestamp to choose its daily index by. */
        NO_TIMESTAMP
    }

    public String key() {
        return id;
    }

    public byte[] json(long nowMillis) {
        ObjectNode n = MAPPER.createObjectNode();
        n.put("@timestamp", Instant.ofEpochMilli(nowMillis).toString());
        n.put("reason", reason.name().toLowerCase(java.util.Locale.ROOT));
        if (index != null) {
            n.put("index", index);
        }
        if (id != null) {
            n.put("id", id);
        }
        if (status > 0) {
            n.put("status", status);
        }
        ObjectNode error = n.putObject("error");
        if (errorType != null) {
            error.put("type", errorType);
        }
        error.put("message", errorMessage);
        if (sourceTopic != null) {
            n.put("source_topic", sourceTopic);
        }
        String text = document == null ? null : new String(document, StandardCharsets.UTF_8);
        if (text != null && text.length() > MAX_DOCUMENT_CHARS) {
            n.put("document_truncated_from", text.length());
            text = text.substring(0, MAX_DOCUMENT_CHARS);
        }
        n.put("document", text);
        try {
            return MAPPER.writeValueAsBytes(n);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("a tree of strings and numbers is always JSON", e);
        }
    }
}
