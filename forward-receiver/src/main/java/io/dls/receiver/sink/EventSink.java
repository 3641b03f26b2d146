package io.dls.receiver.sink;

import io.dls.receiver.codec.Chunk;

/**
 * Where decoded chunks go. Implementations never block the caller on the store: they report through the
 * listener, exactly once per chunk, after every event is stored or as soon as any one failed.
 */
public interface EventSink extends AutoCloseable {

    interface Listener {
        /** Every event of the chunk is durably stored: the client may be acked. */
        void stored();

        /** Some event was not stored; the chunk must not be acked, so the client retries. */
        void failed(Exception cause);
    }

    /**
     * @param source the peer's address, for sinks that record it; may be null
     */
    void publish(Chunk chunk, String source, Listener listener);

    /** True while the store can be reached. */
    boolean isReady();

    /** Waits until everything handed over so far is stored or failed. */
    void flush();

    @Override
    void close();
}
