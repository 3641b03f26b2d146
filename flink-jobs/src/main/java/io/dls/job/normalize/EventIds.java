package io.dls.job.normalize;

import java.nio.charset.StandardCharsets;
import java.util.UUID;

/**
 * Deterministic event ids (contract 2), so a replay never duplicates a document: from the fluent.chunk
 * header when the agent asked for acks (a resent chunk keeps its id, so its events keep theirs), else from
 * the record's place in Kafka. Two identical log lines still get two ids.
 */
public final class EventIds {
    private EventIds() {
    }

    public static String of(String tag, String chunkHeader, String topic, int partition, long offset) {
        String basis = chunkHeader != null ? "chunk|" + tag + "|" + chunkHeader
                : "kafka|" + topic + "|" + partition + "|" + offset;
        return UUID.nameUUIDFromBytes(basis.getBytes(StandardCharsets.UTF_8)).toString();
    }
}
