package io.dls.receiver.ops;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.Unit;

import java.util.function.LongSupplier;

/** Every number the receiver exports on /metrics, in one place so names and labels stay consistent. */
public final class ReceiverMetrics {
    private final PrometheusRegistry registry;
    private volatile LongSupplier partialFrameBytes = () -> 0;

    public final Counter records;
    public final Counter bytesReceived;
    public final Counter chunks;
    public final Counter acks;
    public final Counter invalidEvents;
    public final Counter protocolErrors;
    public final Counter connectionsAccepted;
    public final Counter connectionsRefused;
    public final Counter idleClosed;
    public final Counter kafkaErrors;
    public final Counter heartbeats;
    public final Counter truncatedEvents;
    public final Counter signalChunks;
    public final Gauge connectionsOpen;
    public final Histogram kafkaLatency;

    public ReceiverMetrics() {
        this(new PrometheusRegistry());
    }

    public ReceiverMetrics(PrometheusRegistry registry) {
        this.registry = registry;
        records = Counter.builder().name("fluent_receiver_records_total")
                .help("Events Kafka acknowledged").register(registry);
        bytesReceived = Counter.builder().name("fluent_receiver_received_bytes_total")
                .help("Bytes read from forward clients, as on the wire").register(registry);
        chunks = Counter.builder().name("fluent_receiver_chunks_total")
                .help("Forward messages decoded").register(registry);
        acks = Counter.builder().name("fluent_receiver_acks_total")
                .help("Acks sent to clients after Kafka stored the chunk").register(registry);
        invalidEvents = Counter.builder().name("fluent_receiver_invalid_events_total")
                .help("Events skipped because they could not be published, by reason")
                .labelNames("reason").register(registry);
        protocolErrors = Counter.builder().name("fluent_receiver_protocol_errors_total")
                .help("Connections closed for breaking the protocol, by reason")
                .labelNames("reason").register(registry);
        connectionsAccepted = Counter.builder().name("fluent_receiver_connections_total")
                .help("Connections accepted").register(registry);
        connectionsRefused = Counter.builder().name("fluent_receiver_connections_refused_total")
                .help("Connections closed at once because max_connections were open").register(registry);
        // Without it a silent connection (a slowloris holding half a frame, a client gone without a FIN) left
        // only an INFO line when the idle timeout closed it: nothing an alert could count.
        idleClosed = Counter.builder().name("fluent_receiver_connections_idle_closed_total")
                .help("Connections closed by idle_timeout").register(registry);
        kafkaErrors = Counter.builder().name("fluent_receiver_kafka_errors_total")
                .help("Chunks Kafka failed to store (no ack sent; the client retries)").register(registry);
        heartbeats = Counter.builder().name("fluent_receiver_heartbeats_total")
                .help("UDP and TCP heartbeats answered").labelNames("transport").register(registry);
        truncatedEvents = Counter.builder().name("fluent_receiver_truncated_events_total")
                .help("Events stored cut short (header fluent.truncated holds the original size), by reason:"
                        + " chunk_size_limit (the frame was over it), kafka_too_large (Kafka refused the whole"
                        + " record), kafka_too_large_dropped (not even a cut record fitted; acked, not stored)")
                .labelNames("reason").register(registry);
        signalChunks = Counter.builder().name("fluent_receiver_signal_chunks_total")
                .help("Fluent Bit metrics and traces chunks, by signal and outcome (published, dropped)")
                .labelNames("signal", "outcome").register(registry);
        connectionsOpen = Gauge.builder().name("fluent_receiver_connections_open")
                .help("Connections open now").register(registry);
        GaugeWithCallback.builder().name("fluent_receiver_partial_frame_bytes")
                .help("Bytes held in frames not yet complete, all connections together (max_partial_frame_bytes)")
                .callback(cb -> cb.call(partialFrameBytes.getAsLong())).register(registry);
        kafkaLatency = Histogram.builder().name("fluent_receiver_kafka_chunk_latency_seconds")
                .help("From publishing a chunk's first event to Kafka acknowledging its last")
                .unit(Unit.SECONDS)
                .classicUpperBounds(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60)
                .register(registry);
    }

    /** Registers the gauge of bytes handed to Kafka and not yet acknowledged. */
    public void bytesInFlight(LongSupplier bytes) {
        GaugeWithCallback.builder().name("fluent_receiver_kafka_bytes_in_flight")
                .help("Record bytes handed to the Kafka producer and not yet acknowledged")
                .callback(cb -> cb.call(bytes.getAsLong())).register(registry);
    }

    /** Where the gauge of bytes held in incomplete frames reads from (the server's budget). */
    public void partialFrameBytes(LongSupplier bytes) {
        partialFrameBytes = bytes;
    }

    public PrometheusRegistry registry() {
        return registry;
    }
}
