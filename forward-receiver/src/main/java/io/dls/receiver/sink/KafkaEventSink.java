package io.dls.receiver.sink;

import io.dls.contracts.FluentHeaders;
import io.dls.receiver.codec.Chunk;
import io.dls.receiver.codec.Event;
import io.dls.receiver.ops.ReceiverMetrics;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Publishes each event as one Kafka record (contract 1): key = tag, timestamp = event time, value = the
 * record's msgpack bytes, headers {@code fluent.time}, {@code fluent.chunk}, {@code fluent.source}.
 * The producer is idempotent with acks=all, so "Kafka acknowledged" means replicated to the in-sync set.
 */
public final class KafkaEventSink implements EventSink {
    // The header names and codecs are the contracts' (FluentHeaders), shared with the jobs and ./dls tail.
    public static final String HEADER_TIME = FluentHeaders.TIME;
    public static final String HEADER_CHUNK = FluentHeaders.CHUNK;
    public static final String HEADER_SOURCE = FluentHeaders.SOURCE;
    /** Fluent Bit's per-event metadata map, msgpack bytes as sent (absent when there was none or it was empty). */
    public static final String HEADER_METADATA = FluentHeaders.METADATA;
    /** On an event stored cut short: its record's original size in bytes, as decimal text. */
    public static final String HEADER_TRUNCATED = FluentHeaders.TRUNCATED;
    /** On a Fluent Bit metrics or traces chunk: {@code metrics} or {@code traces}. */
    public static final String HEADER_SIGNAL = FluentHeaders.SIGNAL;

    private static final Logger log = LoggerFactory.getLogger(KafkaEventSink.class);
    private static final Header[] NO_HEADERS = new Header[0];

    private final KafkaSinkConfig config;
    private final KafkaProducer<byte[], byte[]> producer;
    private final Admin admin;
    private final InFlightGate gate;
    private final ReceiverMetrics metrics;
    private final ScheduledExecutorService prober;
    private final TooLargeRecords tooLarge;
    private final SignalPublisher signals;
    private volatile boolean ready;

    public KafkaEventSink(KafkaSinkConfig config, InFlightGate gate, ReceiverMetrics metrics) {
        this.config = config;
        this.gate = gate;
        this.metrics = metrics;
        Map<String, Object> props = producerProperties(config, gate.limit());
        this.producer = new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer());
        Map<String, Object> adminProps = new HashMap<>(config.producer());
        // Kafka's config providers (config.providers, config.providers.<name>.class, ...) are no ConfigDef
        // names, but the admin client needs them to resolve ${env:..}/${file:..} in its SASL settings too.
        adminProps.keySet().removeIf(k -> !AdminClientConfig.configNames().contains(k)
                && !k.startsWith(AbstractConfig.CONFIG_PROVIDERS_CONFIG));
        adminProps.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers());
        adminProps.put(AdminClientConfig.CLIENT_ID_CONFIG, "forward-receiver-health");
        this.admin = Admin.create(adminProps);
        metrics.bytesInFlight(gate::bytesInFlight);
        this.prober = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "kafka-health");
            t.setDaemon(true);
            return t;
        });
        prober.scheduleWithFixedDelay(this::probe, 0, 5, TimeUnit.SECONDS);
        this.tooLarge = new TooLargeRecords(producer, admin, ((Number) props.get(ProducerConfig.MAX_REQUEST_SIZE_CONFIG))
                .longValue(), metrics);
        this.signals = new SignalPublisher(producer, config, metrics);
    }

    static Map<String, Object> producerProperties(KafkaSinkConfig config, long maxBytesInFlight) {
        Map<String, Object> p = new HashMap<>();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers());
        p.put(ProducerConfig.CLIENT_ID_CONFIG, "forward-receiver");
        p.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        p.put(ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024);
        p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
        // Kafka's 1 MiB default refused any event over it (RecordTooLargeException, never retried): the largest
        // event a chunk can hold must fit. The topic's max.message.bytes must allow it too.
        p.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, (int) Math.min(Integer.MAX_VALUE, config.maxRecordBytes()));
        // Sends never wait for buffer space: the gate stops reading sockets long before the buffer fills. The
        // buffer must also hold the largest record, or the producer refuses it as larger than its memory.
        p.put(ProducerConfig.BUFFER_MEMORY_CONFIG, Math.max(config.maxRecordBytes() + (16L << 20),
                Math.max(32L << 20, 2 * maxBytesInFlight + (16L << 20))));
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 10_000);
        p.putAll(config.producer());
        // A max.request.size given as text in kafka.producer: a number from here on (TooLargeRecords reads it).
        p.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, Integer.parseInt(String.valueOf(
                p.get(ProducerConfig.MAX_REQUEST_SIZE_CONFIG)).trim()));
        // Not negotiable: an ack to the client promises the events are stored and not duplicated by retries.
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        return p;
    }

    /** Blocks until the topic's metadata is known, logging every few seconds; false if interrupted. */
    public boolean awaitTopic(Duration logEvery) {
        long start = System.nanoTime();
        while (!Thread.currentThread().isInterrupted()) {
            try {
                int partitions = producer.partitionsFor(config.topic()).size();
                log.info("kafka ready topic={} partitions={} bootstrap={}", config.topic(), partitions,
                        config.bootstrapServers());
                ready = true;
                return true;
            } catch (AuthenticationException e) {
                // Kafka answers but refuses our credentials: no point blaming the bootstrap address.
                log.error("kafka refused authentication bootstrap={} topic={} waited_s={} error=\"{}\": fix the SASL/SSL"
                                + " settings under kafka.producer; clients are not accepted until it succeeds",
                        config.bootstrapServers(), config.topic(), (System.nanoTime() - start) / 1_000_000_000L,
                        e.getMessage());
                pause(logEvery);
            } catch (org.apache.kafka.common.KafkaException e) {
                log.warn("waiting for kafka bootstrap={} topic={} waited_s={} error=\"{}\": start the broker or fix"
                                + " --kafka-bootstrap; clients are not accepted until it answers",
                        config.bootstrapServers(), config.topic(), (System.nanoTime() - start) / 1_000_000_000L,
                        e.getMessage());
                pause(logEvery);
            }
        }
        return false;
    }

    private static void pause(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException ie) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void publish(Chunk chunk, String source, Listener listener) {
        if (chunk.isSignal()) {
            signals.publish(chunk, listener);
            return;
        }
        List<Event> events = chunk.events();
        if (events.isEmpty()) {
            listener.stored();
            return;
        }
        byte[] key = chunk.tag().getBytes(StandardCharsets.UTF_8);
        long bytes = 0;
        for (Event e : events) {
            bytes += e.record().length + key.length;
        }
        gate.acquire(bytes);
        Completion done = new Completion(events.size(), bytes, listener);
        byte[] sourceBytes = config.sourceHeader() && source != null ? source.getBytes(StandardCharsets.UTF_8) : null;
        byte[] chunkPrefix = chunk.chunkId() != null ? chunkPrefix(chunk.chunkId()) : null;
        Records records = new Records(events, key, chunkPrefix, sourceBytes, done);
        int i = 0;
        try {
            for (; i < events.size(); i++) {
                producer.send(records.record(i), new Sent(records, i));
            }
        } catch (RuntimeException ex) {
            // Events from i on never reached the producer: they count as failed now.
            done.abandon(events.size() - i, ex);
        }
    }

    /** What every record of one chunk shares; builds the record of event {@code i} (again, if Kafka refused it). */
    private final class Records {
        final List<Event> events;
        final byte[] key;
        final byte[] chunkPrefix;
        final byte[] sourceBytes;
        final Completion done;

        Records(List<Event> events, byte[] key, byte[] chunkPrefix, byte[] sourceBytes, Completion done) {
            this.events = events;
            this.key = key;
            this.chunkPrefix = chunkPrefix;
            this.sourceBytes = sourceBytes;
            this.done = done;
        }

        ProducerRecord<byte[], byte[]> record(int i) {
            Event e = events.get(i);
            Header[] headers = NO_HEADERS;
            if (e.subsecond() || chunkPrefix != null || sourceBytes != null || e.metadata() != null || e.cut()) {
                headers = new Header[(e.subsecond() ? 1 : 0) + (chunkPrefix != null ? 1 : 0)
                        + (sourceBytes != null ? 1 : 0) + (e.metadata() != null ? 1 : 0) + (e.cut() ? 1 : 0)];
                int h = 0;
                if (e.subsecond()) {
                    headers[h++] = new RecordHeader(HEADER_TIME, timeBytes(e));
                }
                if (chunkPrefix != null) {
                    headers[h++] = new RecordHeader(HEADER_CHUNK, chunkHeader(chunkPrefix, i));
                }
                if (sourceBytes != null) {
                    headers[h++] = new RecordHeader(HEADER_SOURCE, sourceBytes);
                }
                if (e.metadata() != null) {
                    headers[h++] = new RecordHeader(HEADER_METADATA, e.metadata());
                }
                if (e.cut()) {
                    headers[h] = new RecordHeader(HEADER_TRUNCATED, FluentHeaders.number(e.cutFrom()));
                }
            }
            return new ProducerRecord<>(config.topic(), null, e.epochMillis(), key, e.record(), Arrays.asList(headers));
        }
    }

    /**
     * The callback of one record: small on purpose (the chunk's context and an index). Holding each sent
     * ProducerRecord until Kafka answered cost tens of MiB of heap with 32 MiB of small records in flight.
     */
    private final class Sent implements Callback {
        private final Records records;
        private final int index;

        Sent(Records records, int index) {
            this.records = records;
            this.index = index;
        }

        @Override
        public void onCompletion(RecordMetadata metadata, Exception exception) {
            if (exception instanceof RecordTooLargeException) {
                tooLarge.cut(records.record(index), records.done, exception);
                return;
            }
            records.done.onCompletion(metadata, exception);
        }
    }

    /** {@code <chunk id>#}, to which each event appends its decimal index. */
    private static byte[] chunkPrefix(byte[] chunkId) {
        return FluentHeaders.chunkPrefix(chunkId);
    }

    static byte[] chunkHeader(byte[] prefix, int index) {
        return FluentHeaders.chunk(prefix, index);
    }

    static byte[] timeBytes(Event e) {
        return FluentHeaders.time(e.epochSeconds(), e.nanos());
    }

    /** Counts a chunk's acknowledgements down; speaks to the listener once, when the last one is in. */
    private final class Completion implements Callback {
        private final AtomicInteger pending;
        private final AtomicReference<Exception> error = new AtomicReference<>();
        private final long bytes;
        private final int count;
        private final long startNanos = System.nanoTime();
        private final Listener listener;

        Completion(int count, long bytes, Listener listener) {
            this.pending = new AtomicInteger(count);
            this.count = count;
            this.bytes = bytes;
            this.listener = listener;
        }

        @Override
        public void onCompletion(RecordMetadata metadata, Exception exception) {
            if (exception != null) {
                error.compareAndSet(null, exception);
            }
            if (pending.decrementAndGet() == 0) {
                finish();
            }
        }

        void abandon(int notSent, Exception cause) {
            error.compareAndSet(null, cause);
            if (pending.addAndGet(-notSent) == 0) {
                finish();
            }
        }

        private void finish() {
            gate.release(bytes);
            Exception e = error.get();
            if (e == null) {
                metrics.records.inc(count);
                metrics.kafkaLatency.observe((System.nanoTime() - startNanos) / 1e9);
                listener.stored();
            } else {
                metrics.kafkaErrors.inc();
                if (!(e instanceof RetriableException)) {
                    log.error("kafka refused chunk events={} error=\"{}\": not retryable by Kafka; the client will"
                            + " resend until the cause is fixed", count, e.toString());
                }
                listener.failed(e);
            }
        }
    }

    private void probe() {
        try {
            admin.describeCluster(new DescribeClusterOptions().timeoutMs(4000)).nodes().get(5, TimeUnit.SECONDS);
            if (!ready) {
                log.info("kafka reachable bootstrap={}", config.bootstrapServers());
            }
            ready = true;
        } catch (Exception e) {
            if (ready) {
                log.warn("kafka unreachable bootstrap={} error=\"{}\"", config.bootstrapServers(), e.toString());
            }
            ready = false;
        }
    }

    @Override
    public boolean isReady() {
        return ready;
    }

    @Override
    public void flush() {
        producer.flush();
    }

    @Override
    public void close() {
        prober.shutdownNow();
        tooLarge.close();
        producer.close(Duration.ofSeconds(30));
        admin.close(Duration.ofSeconds(5));
    }
}
