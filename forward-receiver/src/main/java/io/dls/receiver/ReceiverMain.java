package io.dls.receiver;

import io.dls.receiver.config.ConfigLoader;
import io.dls.receiver.config.ReceiverConfig;
import io.dls.receiver.ops.AdminServer;
import io.dls.receiver.ops.ReceiverMetrics;
import io.dls.receiver.server.ForwardServer;
import io.dls.receiver.sink.InFlightGate;
import io.dls.receiver.sink.KafkaEventSink;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

@Command(name = "forward-receiver", mixinStandardHelpOptions = true, version = "forward-receiver 0.1.0",
        sortOptions = false,
        description = {
                "Receives Fluentd forward-protocol traffic (Fluentd, Fluent Bit, fluent-logger) and publishes every",
                "event to Kafka; acks a chunk only once Kafka has stored all of it.",
                "Settings layer: built-in defaults < --config YAML < RECEIVER_* environment < --set < flags."},
        footer = {"", "Example: java -jar forward-receiver.jar --kafka-bootstrap 127.0.0.1:9092 --topic logs.raw",
                "All settings and their defaults: see receiver-defaults.yaml in the jar, or README.md."})
public final class ReceiverMain implements Callable<Integer> {
    private static final Logger log = LoggerFactory.getLogger(ReceiverMain.class);

    @Option(names = {"-c", "--config"}, paramLabel = "FILE", description = "YAML configuration file")
    Path config;

    @Option(names = {"-p", "--port"}, description = "forward TCP/UDP port (default 24224)")
    Integer port;

    @Option(names = {"-b", "--bind"}, description = "address to listen on (default 0.0.0.0)")
    String bind;

    @Option(names = "--kafka-bootstrap", paramLabel = "HOST:PORT[,...]",
            description = "Kafka bootstrap servers (default 127.0.0.1:9092)")
    String kafkaBootstrap;

    @Option(names = "--topic", description = "raw topic (default logs.raw)")
    String topic;

    @Option(names = "--metrics-port", description = "Prometheus /metrics and /health port (default 24231, -1 off)")
    Integer metricsPort;

    @Option(names = {"-s", "--set"}, paramLabel = "KEY=VALUE",
            description = "any setting by its path, e.g. --set security.shared_key=secret "
                    + "--set kafka.producer.compression.type=zstd")
    Map<String, String> sets = new LinkedHashMap<>();

    @Option(names = "--check-config", description = "validate the configuration, print it and exit")
    boolean checkConfig;

    public static void main(String[] args) {
        int code = new CommandLine(new ReceiverMain()).execute(args);
        if (code != 0) {
            System.exit(code);
        }
    }

    @Override
    public Integer call() throws Exception {
        Map<String, String> overrides = new LinkedHashMap<>(sets);
        if (port != null) overrides.put("port", port.toString());
        if (bind != null) overrides.put("bind", bind);
        if (kafkaBootstrap != null) overrides.put("kafka.bootstrap_servers", kafkaBootstrap);
        if (topic != null) overrides.put("kafka.topic", topic);
        if (metricsPort != null) overrides.put("metrics.port", metricsPort.toString());
        ReceiverConfig cfg;
        try {
            cfg = new ConfigLoader().load(config, System.getenv(), overrides);
        } catch (ConfigLoader.ConfigException | IllegalArgumentException e) {
            System.err.println("forward-receiver: configuration error: " + e.getMessage());
            System.err.println("Run with --help for the options; README.md lists every setting.");
            return 2;
        }
        if (checkConfig) {
            System.out.println("configuration OK: forward " + cfg.bind() + ":" + cfg.port() + " -> kafka "
                    + cfg.kafka().bootstrapServers() + " topic " + cfg.kafka().topic());
            return 0;
        }
        return run(cfg);
    }

    private static int run(ReceiverConfig cfg) throws Exception {
        ReceiverMetrics metrics = new ReceiverMetrics();
        JvmMetrics.builder().register(metrics.registry());
        InFlightGate gate = new InFlightGate(cfg.maxBytesInFlight().bytes());
        KafkaEventSink sink = new KafkaEventSink(cfg.kafkaSink(), gate, metrics);
        AdminServer admin = cfg.metrics().port() >= 0
                ? new AdminServer(cfg.metrics().bind(), cfg.metrics().port(), metrics, sink::isReady) : null;
        if (admin != null) {
            log.info("metrics http://{}:{}/metrics health /health", cfg.metrics().bind(), admin.port());
        }
        if (!sink.awaitTopic(Duration.ofSeconds(5))) {
            return 1;
        }
        ForwardServer server = new ForwardServer(cfg, sink, gate, metrics).start();
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.shutdownGracefully(Duration.ofSeconds(30));
            sink.close();
            if (admin != null) {
                admin.close();
            }
            stopped.countDown();
            org.apache.logging.log4j.LogManager.shutdown();
        }, "shutdown"));
        stopped.await();
        return 0;
    }
}
