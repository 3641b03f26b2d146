package io.dls.receiver.codec;

import java.util.List;
import java.util.Map;

/**
 * What one forward message carried.
 *
 * @param tag           the Fluentd tag (null for a heartbeat)
 * @param events        the valid events, in the order sent
 * @param chunkId       the {@code chunk} option's payload bytes, or null when the client asked for no ack
 * @param ackReply      the complete reply to write once every event is stored, or null for no reply
 * @param invalidEvents count of events skipped, by reason
 */
public record Chunk(String tag, List<Event> events, byte[] chunkId, byte[] ackReply,
                    Map<String, Integer> invalidEvents) {

    static final Chunk HEARTBEAT = new Chunk(null, List.of(), null, null, Map.of());

    public boolean isHeartbeat() {
        return tag == null;
    }

    public boolean wantsAck() {
        return ackReply != null;
    }

    public int invalidCount() {
        int n = 0;
        for (int c : invalidEvents.values()) {
            n += c;
        }
        return n;
    }
}
