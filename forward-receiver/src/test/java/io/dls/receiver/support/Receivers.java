package io.dls.receiver.support;

import io.dls.receiver.config.ConfigLoader;
import io.dls.testing.TestKafka;
import io.dls.receiver.config.ReceiverConfig;
import io.dls.receiver.ops.AdminServer;
import io.dls.receiver.ops.ReceiverMetrics;
import io.dls.receiver.server.ForwardServer;
import io.dls.receiver.sink.EventSink;
import io.dls.receiver.sink.InFlightGate;
import io.dls.receiver.sink.KafkaEventSink;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/** The receiver as ReceiverMain wires it, on free ports, publishing to the test broker. */
public final class Receivers {
    private Receivers() {
    }

    public static final class Running implements AutoCloseable {
        public final ReceiverConfig config;
        public final ReceiverMetrics metrics;
        public final EventSink sink;
        public final ForwardServer server;
        public final AdminServer admin;
        public final String topic;
        public final InFlightGate gate;

        Running(ReceiverConfig config, ReceiverMetrics metrics, EventSink sink, ForwardServer server, AdminServer admin,
                InFlightGate gate) {
            this.gate = gate;
            this.config = config;
            this.metrics = metrics;
            this.sink = sink;
            this.server = server;
            this.admin = admin;
            this.topic = config.kafka().topic();
        }

        public int port() {
            return server.port();
        }

        /** The Prometheus text exposition, as /metrics serves it. */
        public String metricsText() {
            try {
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                PrometheusTextFormatWriter.create().write(out, metrics.registry().scrape());
                return out.toString(StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        /** The value of {@code fluent_receiver_protocol_errors_total{reason}}. */
        public double protocolErrors(String reason) {
            return metrics.protocolErrors.labelValues(reason).get();
        }

        public String http(String path) {
            return "http://127.0.0.1:" + admin.port() + path;
        }

        @Override
        public void close() {
            server.shutdownGracefully(Duration.ofSeconds(10));
            sink.close();
            admin.close();
        }
    }

    /** Starts a receiver on a fresh topic; {@code settings} are {@code --set} style overrides. */
    public static Running start(Map<String, String> settings) {
        Map<String, String> all = new LinkedHashMap<>();
        all.put("port", "0");
        all.put("bind", "127.0.0.1");
        all.put("metrics.port", "0");
        all.put("metrics.bind", "127.0.0.1");
        if (!settings.containsKey("kafka.bootstrap_servers")) {
            // Only then is the in-JVM broker started: a test with its own broker does not pay for it.
            all.put("kafka.bootstrap_servers", TestKafka.bootstrap());
        }
        if (!settings.containsKey("kafka.topic")) {
            all.put("kafka.topic", TestKafka.newTopic("raw", 1));
        }
        all.putAll(settings);
        ReceiverConfig cfg = new ConfigLoader().load(null, Map.of(), all);
        ReceiverMetrics metrics = new ReceiverMetrics();
        InFlightGate gate = new InFlightGate(cfg.maxBytesInFlight().bytes());
        KafkaEventSink sink = new KafkaEventSink(cfg.kafkaSink(), gate, metrics);
        try {
            AdminServer admin = new AdminServer(cfg.metrics().bind(), cfg.metrics().port(), metrics, sink::isReady);
            sink.awaitTopic(Duration.ofSeconds(1));
            ForwardServer server = new ForwardServer(cfg, sink, gate, metrics).start();
            return new Running(cfg, metrics, sink, server, admin, gate);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
