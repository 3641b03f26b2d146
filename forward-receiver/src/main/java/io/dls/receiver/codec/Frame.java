package io.dls.receiver.codec;

/**
 * One complete top-level value read off a connection, as the bytes that arrived.
 *
 * @param bytes the value's encoding, exactly as sent
 * @param json  true when the connection speaks Fluentd's JSON framing instead of msgpack
 */
public record Frame(byte[] bytes, boolean json) {
}
