package io.dls.receiver.codec;

import java.util.Map;

/**
 * One complete top-level value read off a connection, as the bytes that arrived.
 *
 * @param bytes the value's encoding, exactly as sent (or, for a frame over chunk_size_limit, as cut)
 * @param json  true when the connection speaks Fluentd's JSON framing instead of msgpack
 * @param cuts  for a frame that was cut: the bytes left out of each entry, by the entry's position in the
 *              message (0 for Message mode); empty for a whole frame
 */
public record Frame(byte[] bytes, boolean json, Map<Integer, Long> cuts) {
    public Frame(byte[] bytes, boolean json) {
        this(bytes, json, Map.of());
    }

    public boolean wasCut() {
        return !cuts.isEmpty();
    }
}
