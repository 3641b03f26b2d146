package io.dls.launcher.demo;

import io.dls.receiver.config.ConfigLoader;
import io.dls.receiver.config.ReceiverConfig;
import io.dls.receiver.ops.ReceiverMetrics;
import io.dls.receiver.server.ForwardServer;
import io.dls.receiver.sink.InFlightGate;
import io.dls.receiver.sink.KafkaEventSink;
import io.dls.testing.TestKafka;

import java.time.Duration;
import java.util.Map;

/** The real receiver, wired as ReceiverMain wires it, on a free port, writing to a topic of the test broker. */
final class InJvmReceiver implements AutoCloseable {
    final String topic;
    private final KafkaEventSink sink;
    private final ForwardServer server;

    InJvmReceiver(String topic) throws InterruptedException {
        this.topic = topic;
        ReceiverConfig cfg = new ConfigLoader().load(null, Map.of(), Map.of(
                "port", "0",
                "bind", "127.0.0.1",
                "metrics.port", "-1",
                "kafka.bootstrap_servers", TestKafka.bootstrap(),
                "kafka.topic", topic));
        ReceiverMetrics metrics = new ReceiverMetrics();
        InFlightGate gate = new InFlightGate(cfg.maxBytesInFlight().bytes());
        sink = new KafkaEventSink(cfg.kafkaSink(), gate, metrics);
        sink.awaitTopic(Duration.ofSeconds(1));
        server = new ForwardServer(cfg, sink, gate, metrics).start();
    }

    int port() {
        return server.port();
    }

    @Override
    public void close() {
        server.shutdownGracefully(Duration.ofSeconds(10));
        sink.close();
    }
}
