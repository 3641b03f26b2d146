package io.dls.receiver.sink;

import io.dls.receiver.codec.RecordCutter;
import io.dls.receiver.ops.ReceiverMetrics;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * What happens to an event Kafka refuses as too large ({@link RecordTooLargeException}, which Kafka never
 * retries). Before, the chunk failed, got no ack, and the agent resent it forever with every later chunk
 * behind it; a client without acks lost the event without a word. Now the event is stored cut to what the
 * topic takes ({@link RecordCutter}), with the header {@link KafkaEventSink#HEADER_TRUNCATED} holding its
 * original size, counted and logged, and the chunk completes as usual.
 *
 * <p>The cut size comes from the topic's {@code max.message.bytes} (asked once per topic) and the producer's
 * {@code max.request.size}; should Kafka still refuse, the budget halves, a few times at most. If nothing
 * fits, the event is counted and logged as dropped and the chunk is still acked.
 */
final class TooLargeRecords implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(TooLargeRecords.class);
    private static final int MAX_ATTEMPTS = 6;
    /** Record and batch framing, header names: generous, so the first cut fits. */
    private static final int FRAMING = 1024;
    /** Kafka's own default for max.message.bytes, when the topic's cannot be read. */
    private static final long KAFKA_DEFAULT_MAX_MESSAGE = 1_048_588;

    private final KafkaProducer<byte[], byte[]> producer;
    private final Admin admin;
    private final long maxRequestSize;
    private final ReceiverMetrics metrics;
    private final Map<String, Long> topicLimits = new ConcurrentHashMap<>();
    // Off the producer's I/O thread: the callback must not block on a send or on the admin client.
    private final ExecutorService executor = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "kafka-too-large");
        t.setDaemon(true);
        return t;
    });

    TooLargeRecords(KafkaProducer<byte[], byte[]> producer, Admin admin, long maxRequestSize, ReceiverMetrics metrics) {
        this.producer = producer;
        this.admin = admin;
        this.maxRequestSize = maxRequestSize;
        this.metrics = metrics;
    }

    /**
     * Kafka refused {@code original} as too large: sends it cut (off the producer's thread) and tells
     * {@code done} the outcome of that.
     */
    void cut(ProducerRecord<byte[], byte[]> original, Callback done, Exception cause) {
        try {
            executor.execute(() -> resend(original, done, 0, 0, cause));
        } catch (RejectedExecutionException shuttingDown) {
            done.onCompletion(null, cause);
        }
    }

    private final class Guarded implements Callback {
        private final ProducerRecord<byte[], byte[]> original;
        private final Callback done;
        private final int attempt;
        private final int budget;

        Guarded(ProducerRecord<byte[], byte[]> original, Callback done, int attempt, int budget) {
            this.original = original;
            this.done = done;
            this.attempt = attempt;
            this.budget = budget;
        }

        @Override
        public void onCompletion(RecordMetadata metadata, Exception exception) {
            if (exception instanceof RecordTooLargeException) {
                try {
                    executor.execute(() -> resend(original, done, attempt, budget, exception));
                } catch (RejectedExecutionException shuttingDown) {
                    done.onCompletion(metadata, exception);
                }
                return;
            }
            if (exception == null && attempt > 0) {
                metrics.truncatedEvents.labelValues("kafka_too_large").inc();
                log.warn("event too large for kafka stored cut topic={} tag={} original_bytes={} stored_bytes<={}"
                                + " header={}: raise the topic's max.message.bytes (and kafka.producer max.request.size)"
                                + " to store such events whole", original.topic(), tag(original),
                        original.value().length, budget, KafkaEventSink.HEADER_TRUNCATED);
            }
            done.onCompletion(metadata, exception);
        }
    }

    private void resend(ProducerRecord<byte[], byte[]> original, Callback done, int attempt, int lastBudget,
                        Exception cause) {
        try {
            int budget;
            if (attempt == 0) {
                int framing = FRAMING + (original.key() == null ? 0 : original.key().length);
                for (Header h : original.headers()) {
                    framing += h.key().length() + h.value().length + 8;
                }
                long limit = Math.min(maxRequestSize, topicLimit(original.topic(), attempt));
                budget = (int) Math.max(0, Math.min(Integer.MAX_VALUE, limit - framing));
            } else {
                budget = lastBudget / 2;
            }
            if (attempt >= MAX_ATTEMPTS || budget < 1024) {
                metrics.truncatedEvents.labelValues("kafka_too_large_dropped").inc();
                log.error("event too large for kafka dropped topic={} tag={} original_bytes={} error=\"{}\": not even"
                                + " a cut record fitted; the chunk is acked so the client does not resend it forever",
                        original.topic(), tag(original), original.value().length, cause.toString());
                done.onCompletion(null, null);
                return;
            }
            byte[] cut = RecordCutter.cut(original.value(), budget);
            List<Header> headers = new ArrayList<>();
            String originalSize = Integer.toString(original.value().length);
            for (Header h : original.headers()) {
                if (h.key().equals(KafkaEventSink.HEADER_TRUNCATED)) {
                    originalSize = new String(h.value(), StandardCharsets.US_ASCII); // cut before: the client's size
                } else {
                    headers.add(h);
                }
            }
            headers.add(new RecordHeader(KafkaEventSink.HEADER_TRUNCATED, originalSize.getBytes(StandardCharsets.US_ASCII)));
            producer.send(new ProducerRecord<>(original.topic(), original.partition(), original.timestamp(),
                    original.key(), cut, headers), new Guarded(original, done, attempt + 1, budget));
        } catch (RuntimeException e) {
            done.onCompletion(null, e);
        }
    }

    /** The topic's max.message.bytes, asked once (Kafka's default if it cannot be read). */
    private long topicLimit(String topic, int attempt) {
        return topicLimits.computeIfAbsent(topic, t -> {
            try {
                ConfigResource r = new ConfigResource(ConfigResource.Type.TOPIC, t);
                Config c = admin.describeConfigs(List.of(r)).all().get(10, TimeUnit.SECONDS).get(r);
                ConfigEntry e = c == null ? null : c.get(TopicConfig.MAX_MESSAGE_BYTES_CONFIG);
                return e == null || e.value() == null ? KAFKA_DEFAULT_MAX_MESSAGE : Long.parseLong(e.value());
            } catch (Exception e) {
                log.warn("could not read max.message.bytes of topic={} error=\"{}\": assuming Kafka's default {}", t,
                        e.toString(), KAFKA_DEFAULT_MAX_MESSAGE);
                return KAFKA_DEFAULT_MAX_MESSAGE;
            }
        });
    }

    private static String tag(ProducerRecord<byte[], byte[]> r) {
        return r.key() == null ? "" : new String(r.key(), StandardCharsets.UTF_8);
    }

    @Override
    public void close() {
        executor.shutdown();
        try {
            executor.awaitTermination(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
