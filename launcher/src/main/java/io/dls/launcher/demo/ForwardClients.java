package io.dls.launcher.demo;

import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.core.config.Configurator;
import org.komamitsu.fluency.EventTime;
import org.komamitsu.fluency.Fluency;
import org.komamitsu.fluency.fluentd.FluencyBuilderForFluentd;
import org.komamitsu.fluency.fluentd.ingester.sender.FluentdSender;
import org.komamitsu.fluency.ingester.Ingester;

import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Consumer;

/**
 * One Fluency client per node, as each microservice instance would have its own: PackedForward with acks,
 * so every event the summary calls acknowledged is in Kafka (contract 1: the receiver acks after Kafka
 * did). Buffers are flushed every few hundred milliseconds so the consoles follow the senders closely.
 */
final class ForwardClients implements AutoCloseable {
    private final Map<Node, Fluency> clients = new LinkedHashMap<>();
    private final SendStats stats;

    ForwardClients(String host, int port, List<Node> nodes, SendStats stats, Consumer<Throwable> onSendError) {
        this.stats = stats;
        // Send failures reach onSendError, which says once in a while what to do; Fluency's own log would
        // add a stack trace per node per retry (hundreds of lines a minute while the receiver is down).
        Configurator.setLevel("org.komamitsu", Level.OFF);
        for (Node n : nodes) {
            clients.put(n, builder(stats, onSendError).build(host, port));
        }
    }

    private static FluencyBuilderForFluentd builder(SendStats stats, Consumer<Throwable> onSendError) {
        FluencyBuilderForFluentd b = new FluencyBuilderForFluentd() {
            @Override
            protected Ingester buildIngester(FluentdSender sender) {
                return new AckCountingIngester(super.buildIngester(sender), stats.acked);
            }
        };
        b.setAckResponseMode(true);
        // A chunk becomes flushable after 200 ms and the flusher looks every 100 ms: events reach the
        // receiver within about a third of a second instead of Fluency's default second and more.
        b.setBufferChunkRetentionTimeMillis(200);
        b.setFlushAttemptIntervalMillis(100);
        b.setConnectionTimeoutMilli(3_000);
        b.setReadTimeoutMilli(10_000);
        // Bounded retries and waits: a demo whose receiver is gone should end within seconds, not minutes.
        b.setSenderMaxRetryCount(4);
        b.setSenderMaxRetryIntervalMillis(2_000);
        b.setWaitUntilBufferFlushed(10);
        b.setWaitUntilFlusherTerminated(5);
        b.setErrorHandler(e -> {
            stats.sendErrors.incrementAndGet();
            onSendError.accept(e);
        });
        return b;
    }

    void emit(Node node, Map<String, Object> record) {
        Instant now = Instant.now();
        try {
            // Sub-second precision travels as EventTime and ends up in the fluent.time header.
            clients.get(node).emit(node.tag(), EventTime.fromEpoch(now.getEpochSecond(), now.getNano()), record);
        } catch (IOException e) {
            // Fluency's buffer is full (receiver gone for long): the event is lost, the summary shows it.
            stats.sendErrors.incrementAndGet();
        }
    }

    /** Pushes what a node has buffered now, so a node that is about to go silent leaves nothing behind. */
    void flush(Node node) {
        try {
            clients.get(node).flush();
        } catch (IOException e) {
            stats.sendErrors.incrementAndGet();
        }
    }

    /** Flushes and closes every client, in parallel so a missing receiver costs one wait, not one per node. */
    @Override
    public void close() {
        // Fluency's close() flushes, waits for the acks (bounded by setWaitUntilBufferFlushed) and stops
        // its flusher thread. Own threads: the common pool has a single worker on a 2-core machine.
        ExecutorService pool = Executors.newFixedThreadPool(clients.size());
        List<Future<?>> closing = new ArrayList<>();
        for (Fluency f : clients.values()) {
            closing.add(pool.submit(() -> {
                try {
                    f.close();
                } catch (IOException e) {
                    stats.sendErrors.incrementAndGet();
                }
            }));
        }
        for (Future<?> c : closing) {
            try {
                c.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            } catch (ExecutionException e) {
                stats.sendErrors.incrementAndGet();
            }
        }
        pool.shutdown();
    }
}
