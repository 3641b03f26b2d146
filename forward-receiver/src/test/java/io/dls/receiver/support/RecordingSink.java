package io.dls.receiver.support;

import io.dls.receiver.codec.Chunk;
import io.dls.receiver.sink.EventSink;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Keeps published chunks in memory for protocol-level tests on an EmbeddedChannel, where the question is
 * what the codec and handlers hand over, not whether Kafka stores it (the Kafka tests answer that).
 * With {@code autoStore} off, the test decides when each chunk is stored or failed.
 */
public final class RecordingSink implements EventSink {
    public record Published(Chunk chunk, String source, Listener listener) {
    }

    public final List<Published> published = new CopyOnWriteArrayList<>();
    private final boolean autoStore;

    public RecordingSink(boolean autoStore) {
        this.autoStore = autoStore;
    }

    @Override
    public void publish(Chunk chunk, String source, Listener listener) {
        published.add(new Published(chunk, source, listener));
        if (autoStore) {
            listener.stored();
        }
    }

    public List<Chunk> chunks() {
        return published.stream().map(Published::chunk).toList();
    }

    @Override
    public boolean isReady() {
        return true;
    }

    @Override
    public void flush() {
    }

    @Override
    public void close() {
    }
}
