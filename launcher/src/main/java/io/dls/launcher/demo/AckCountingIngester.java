package io.dls.launcher.demo;

import org.komamitsu.fluency.ingester.Ingester;
import org.komamitsu.fluency.ingester.sender.Sender;
import org.msgpack.core.MessagePack;
import org.msgpack.core.MessageUnpacker;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Counts the events the receiver acknowledged. In ack mode Fluency's ingester returns from
 * {@link #ingest} only after the receiver answered with the chunk's id, and a failed chunk goes back into
 * the buffer for a retry; so the events of every chunk that returns normally are acknowledged. The chunk
 * is a run of {@code [time, record]} entries. It is counted from a heap copy: Fluency's buffers are
 * direct, and msgpack-core reads direct buffers through JDK internals that Java 17 closes
 * (IllegalAccessError on sun.nio.ch.DirectBuffer) unless the JVM is started with --add-opens.
 */
final class AckCountingIngester implements Ingester {
    private final Ingester delegate;
    private final AtomicLong acked;

    AckCountingIngester(Ingester delegate, AtomicLong acked) {
        this.delegate = delegate;
        this.acked = acked;
    }

    @Override
    public void ingest(String tag, ByteBuffer dataBuffer) throws IOException {
        long entries = countEntries(dataBuffer.duplicate());
        delegate.ingest(tag, dataBuffer);
        acked.addAndGet(entries);
    }

    static long countEntries(ByteBuffer chunk) throws IOException {
        byte[] copy = new byte[chunk.remaining()];
        chunk.get(copy);
        long n = 0;
        try (MessageUnpacker u = MessagePack.newDefaultUnpacker(copy)) {
            while (u.hasNext()) {
                u.skipValue();
                n++;
            }
        }
        return n;
    }

    @Override
    public Sender getSender() {
        return delegate.getSender();
    }

    @Override
    public void close() throws IOException {
        delegate.close();
    }
}
