package io.dls.receiver.sink;

import io.dls.contracts.FluentHeaders;
import io.dls.receiver.codec.Chunk;
import io.dls.receiver.codec.Signal;
import io.dls.receiver.ops.ReceiverMetrics;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Fluent Bit's metrics and traces chunks ({@code [tag, bin(cmetrics/ctraces msgpack), {"fluent_signal": 1|2}]}).
 * They are no log events: before, the receiver counted them as invalid entries, acked them and the data was
 * gone. Now each chunk is one record, the blob as sent, on a topic of its own, acked once Kafka has it; or,
 * when the operator chose so, dropped, acked, counted and logged once a minute, never silently.
 */
final class SignalPublisher {
    private static final Logger log = LoggerFactory.getLogger(SignalPublisher.class);
    private static final long LOG_EVERY_NANOS = TimeUnit.MINUTES.toNanos(1);

    private final KafkaProducer<byte[], byte[]> producer;
    private final KafkaSinkConfig config;
    private final ReceiverMetrics metrics;
    private final AtomicLong droppedSinceLog = new AtomicLong();
    private final AtomicLong lastDropLog = new AtomicLong(System.nanoTime() - LOG_EVERY_NANOS);

    SignalPublisher(KafkaProducer<byte[], byte[]> producer, KafkaSinkConfig config, ReceiverMetrics metrics) {
        this.producer = producer;
        this.config = config;
        this.metrics = metrics;
    }

    String topic(Signal s) {
        return s == Signal.METRICS ? config.metricsTopic() : config.tracesTopic();
    }

    void publish(Chunk chunk, EventSink.Listener listener) {
        Signal s = chunk.signal();
        if (config.dropSignals()) {
            metrics.signalChunks.labelValues(s.label(), "dropped").inc();
            droppedSinceLog.incrementAndGet();
            long last = lastDropLog.get();
            long now = System.nanoTime();
            if (now - last >= LOG_EVERY_NANOS && lastDropLog.compareAndSet(last, now)) {
                log.warn("fluent bit signal chunks dropped count={} last_tag={} last_signal={}: signals is set to"
                        + " drop (publish sends them to {} / {})", droppedSinceLog.getAndSet(0), chunk.tag(),
                        s.label(), config.metricsTopic(), config.tracesTopic());
            }
            listener.stored();
            return;
        }
        List<Header> headers = new ArrayList<>(2);
        headers.add(new RecordHeader(KafkaEventSink.HEADER_SIGNAL, s.label().getBytes(StandardCharsets.US_ASCII)));
        if (chunk.chunkId() != null) {
            headers.add(new RecordHeader(KafkaEventSink.HEADER_CHUNK,
                    FluentHeaders.chunk(FluentHeaders.chunkPrefix(chunk.chunkId()), 0)));
        }
        String topic = topic(s);
        try {
            producer.send(new ProducerRecord<>(topic, null, null, chunk.tag().getBytes(StandardCharsets.UTF_8),
                    chunk.signalPayload(), headers), (md, ex) -> {
                if (ex == null) {
                    metrics.signalChunks.labelValues(s.label(), "published").inc();
                    listener.stored();
                } else if (ex instanceof RecordTooLargeException) {
                    // A cmetrics/ctraces blob has no meaningful prefix: dropped, counted, logged, acked.
                    metrics.signalChunks.labelValues(s.label(), "too_large").inc();
                    log.error("fluent bit {} chunk too large for kafka dropped topic={} tag={} bytes={}: raise the"
                            + " topic's max.message.bytes", s.label(), topic, chunk.tag(), chunk.signalPayload().length);
                    listener.stored();
                } else {
                    metrics.kafkaErrors.inc();
                    listener.failed(ex);
                }
            });
        } catch (RuntimeException e) {
            metrics.kafkaErrors.inc();
            listener.failed(e);
        }
    }
}
