package io.dls.receiver.config;

import io.dls.receiver.codec.CodecLimits;
import io.dls.receiver.sink.KafkaSinkConfig;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The receiver's whole configuration, with the option names of Fluentd's in_forward where one exists.
 * Built by {@link ConfigLoader} from defaults, a YAML file, RECEIVER_* environment variables and flags;
 * every value is checked here, with a message that names the setting.
 */
public record ReceiverConfig(
        int port,
        String bind,
        boolean skipInvalidEvent,
        String sourceAddressKey,
        String sourceHostnameKey,
        ByteSize chunkSizeLimit,
        ByteSize chunkSizeWarnLimit,
        ByteSize decompressedSizeLimit,
        int maxNestingDepth,
        int maxConnections,
        TimeSpan idleTimeout,
        ByteSize maxBytesInFlight,
        ByteSize maxPartialFrameBytes,
        int workerThreads,
        String signals,
        Security security,
        Transport transport,
        Kafka kafka,
        Metrics metrics) {

    public record User(String username, String password) {
        public User {
            require(username != null && !username.isEmpty(), "security.users[].username must not be empty");
            require(password != null, "security.users[].password must be set for user " + username);
        }
    }

    /** Fluentd's {@code <security>} section: the HELO/PING/PONG handshake. */
    public record Security(String selfHostname, String sharedKey, boolean userAuth, List<User> users) {
        public Security {
            users = users == null ? List.of() : List.copyOf(users);
            require(!userAuth || sharedKey != null, "security.user_auth needs security.shared_key as well");
            require(!userAuth || !users.isEmpty(), "security.user_auth is on but security.users is empty");
        }

        public boolean enabled() {
            return sharedKey != null;
        }
    }

    /** Fluentd's {@code <transport tls>} section. */
    public record Transport(String protocol, String certPath, String privateKeyPath, String privateKeyPassphrase,
                            String caPath, boolean clientCertAuth) {
        public Transport {
            protocol = protocol == null ? "tcp" : protocol;
            require(protocol.equals("tcp") || protocol.equals("tls"),
                    "transport.protocol must be tcp or tls, was '" + protocol + "'");
            if (protocol.equals("tls")) {
                requireFile(certPath, "transport.cert_path");
                requireFile(privateKeyPath, "transport.private_key_path");
                if (clientCertAuth) {
                    requireFile(caPath, "transport.ca_path (needed by client_cert_auth)");
                }
            }
        }

        public boolean tls() {
            return protocol.equals("tls");
        }
    }

    public record Kafka(String bootstrapServers, String topic, String metricsTopic, String tracesTopic,
                        boolean sourceHeader, Map<String, String> producer) {
        public Kafka {
            producer = producer == null ? Map.of() : Map.copyOf(producer);
        }
    }

    public record Metrics(int port, String bind) {
        public Metrics {
            require(port >= -1 && port <= 65535, "metrics.port must be -1 (off), 0 (any free port) or a port, was " + port);
        }
    }

    public ReceiverConfig {
        require(port >= 0 && port <= 65535, "port must be 0 to 65535, was " + port);
        require(bind != null && !bind.isBlank(), "bind must be an address, e.g. 0.0.0.0 or 127.0.0.1");
        require(maxConnections > 0, "max_connections must be positive, was " + maxConnections);
        require(workerThreads >= 0, "worker_threads must be 0 (one per core) or more, was " + workerThreads);
        require(maxBytesInFlight.bytes() >= 1024, "max_bytes_in_flight must be at least 1k");
        require(maxPartialFrameBytes != null && (maxPartialFrameBytes.bytes() == 0
                        || maxPartialFrameBytes.bytes() >= 64 * 1024),
                "max_partial_frame_bytes must be 0 (a third of the JVM's direct memory limit) or at least 64k");
        require("publish".equals(signals) || "drop".equals(signals),
                "signals must be publish or drop, was '" + signals + "'");
        require(security != null, "security section is missing");
        require(transport != null, "transport section is missing");
        require(kafka != null, "kafka section is missing");
        require(metrics != null, "metrics section is missing");
        codecLimits(chunkSizeLimit, decompressedSizeLimit, maxNestingDepth); // validates the three
    }

    public CodecLimits codecLimits() {
        return codecLimits(chunkSizeLimit, decompressedSizeLimit, maxNestingDepth);
    }

    private static CodecLimits codecLimits(ByteSize chunk, ByteSize decompressed, int depth) {
        return new CodecLimits(chunk.bytes(), decompressed.bytes(), depth);
    }

    public KafkaSinkConfig kafkaSink() {
        return new KafkaSinkConfig(kafka.bootstrapServers(), kafka.topic(), kafka.sourceHeader(), kafka.producer(),
                KafkaSinkConfig.maxRecordBytesFor(chunkSizeLimit.bytes()), kafka.metricsTopic(), kafka.tracesTopic(),
                "drop".equals(signals));
    }

    static void require(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }

    private static void requireFile(String path, String setting) {
        require(path != null && !path.isBlank(), setting + " must be set when transport.protocol is tls");
        require(Files.isReadable(Path.of(path)), setting + " '" + path + "' is not a readable file");
    }
}
