package io.dls.job.normalize;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.UUID;

/**
 * Deterministic event ids (contract 2), so a replay never duplicates a document: from the fluent.chunk
 * header when the agent asked for acks (a resent chunk keeps its id, so its events keep theirs), else from
 * the record's place in Kafka. Two identical log lines still get two ids.
 */
public final class EventIds {
    /** A digest per thread: looking one up by name for every event cost more than hashing. */
    private static final ThreadLocal<MessageDigest> MD5 = ThreadLocal.withInitial(() -> {
        try {
            return MessageDigest.getInstance("MD5");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has MD5", e);
        }
    });

    private EventIds() {
    }

    /** A name-based (version 3) UUID of the record's identity, as {@link UUID#nameUUIDFromBytes} makes it. */
    public static String of(String tag, String chunkHeader, String topic, int partition, long offset) {
        String basis = chunkHeader != null ? "chunk|" + tag + "|" + chunkHeader
                : "kafka|" + topic + "|" + partition + "|" + offset;
        byte[] md5 = MD5.get().digest(basis.getBytes(StandardCharsets.UTF_8));
        md5[6] = (byte) ((md5[6] & 0x0f) | 0x30);
        md5[8] = (byte) ((md5[8] & 0x3f) | 0x80);
        return new UUID(ByteBuffer.wrap(md5, 0, 8).getLong(), ByteBuffer.wrap(md5, 8, 8).getLong()).toString();
    }
}
