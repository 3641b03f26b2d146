package io.dls.receiver.codec;

import java.util.List;
import java.util.Map;

/**
 * What one forward message carried.
 *
 * @param tag           the Fluentd tag (null for a heartbeat)
 * @param events        the valid events, in the order sent (empty for a signal chunk)
 * @param chunkId       the {@code chunk} option's payload bytes, or null when the client asked for no ack
 * @param ackReply      the complete reply to write once every event is stored, or null for no reply
 * @param invalidEvents count of events skipped, by reason
 * @param signal        what the chunk carries: logs (events), or Fluent Bit metrics / traces
 * @param signalPayload for metrics and traces: the cmetrics / ctraces msgpack as sent (inflated if it was
 *                      compressed); null for logs
 */
public record Chunk(String tag, List<Event> events, byte[] chunkId, byte[] ackReply,
                    Map<String, Integer> invalidEvents, Signal signal, byte[] signalPayload) {

    static final Chunk HEARTBEAT = new Chunk(null, List.of(), null, null, Map.of());

    public Chunk(String tag, List<Event> events, byte[] chunkId, byte[] ackReply, Map<String, Integer> invalidEvents) {
        this(tag, events, chunkId, ackReply, invalidEvents, Signal.LOGS, null);
    }

    Chunk withSignal(Signal s, byte[] payload) {
        return new Chunk(tag, events, chunkId, ackReply, invalidEvents, s, payload);
    }

    /** The same chunk with other events (enrichment). */
    public Chunk withEvents(List<Event> newEvents) {
        return new Chunk(tag, newEvents, chunkId, ackReply, invalidEvents, signal, signalPayload);
    }

    public boolean isHeartbeat() {
        return tag == null;
    }

    public boolean isSignal() {
        return signal != Signal.LOGS;
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
