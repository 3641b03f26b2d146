package io.dls.notifier;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.awaitility.Awaitility.await;

/**
 * A real Prometheus Alertmanager (Debian's package) as a process on a free loopback port, gossip off.
 * Tests read its own view ({@code GET /api/v2/alerts}); nothing stands in for it.
 */
final class AlertmanagerProcess implements AutoCloseable {
    static final Path BINARY = Path.of("/usr/bin/prometheus-alertmanager");
    /** A configuration that notifies nobody: for tests that only look at the API. */
    static final String QUIET_CONFIG = "route:\n  receiver: quiet\nreceivers:\n  - name: quiet\n";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2)).build();

    private final Path config;
    private final Path dir;
    private final int port;
    private Process process;

    private AlertmanagerProcess(Path config, Path dir, int port) {
        this.config = config;
        this.dir = dir;
        this.port = port;
    }

    /** Starts one with the given configuration file. Fails (not skips) when the binary is missing. */
    static AlertmanagerProcess start(Path config) throws IOException {
        if (!Files.isExecutable(BINARY)) {
            throw new AssertionError(BINARY + " is missing: install Alertmanager with "
                    + "`apt-get update && apt-get install -y prometheus-alertmanager` (.ci/run does)");
        }
        Path dir = Files.createTempDirectory(Path.of("target"), "alertmanager-");
        AlertmanagerProcess am = new AlertmanagerProcess(config.toAbsolutePath(), dir.toAbsolutePath(), freePort());
        am.startProcess();
        return am;
    }

    static AlertmanagerProcess startQuiet() throws IOException {
        Files.createDirectories(Path.of("target"));
        Path cfg = Files.createTempFile(Path.of("target"), "alertmanager-", ".yml");
        Files.writeString(cfg, QUIET_CONFIG);
        return start(cfg);
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private void startProcess() throws IOException {
        process = new ProcessBuilder(BINARY.toString(),
                "--config.file=" + config,
                "--storage.path=" + dir.resolve("data"),
                "--web.listen-address=127.0.0.1:" + port,
                "--cluster.listen-address=")
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("alertmanager.log").toFile()))
                .start();
        await("alertmanager on port " + port + " ready").atMost(Duration.ofSeconds(20))
                .pollInterval(Duration.ofMillis(50))
                .until(() -> {
                    if (!process.isAlive()) {
                        throw new AssertionError("alertmanager exited with " + process.exitValue() + ": "
                                + Files.readString(dir.resolve("alertmanager.log")));
                    }
                    return ready();
                });
    }

    private boolean ready() {
        try {
            return HTTP.send(HttpRequest.newBuilder(URI.create(url() + "/-/ready")).timeout(Duration.ofSeconds(2))
                    .build(), HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    String url() {
        return "http://127.0.0.1:" + port;
    }

    /** SIGTERM, as an operator's stop would. */
    void stop() throws InterruptedException {
        if (process != null && process.isAlive()) {
            process.destroy();
            if (!process.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor();
            }
        }
    }

    /** Starts it again on the same port and storage (alerts are not persisted: it comes back empty). */
    void restart() throws IOException {
        startProcess();
    }

    /** Alertmanager's list of alerts that are not resolved (active, suppressed or unprocessed). */
    List<JsonNode> alerts() throws IOException, InterruptedException {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(url() + "/api/v2/alerts"))
                .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IOException("GET /api/v2/alerts: HTTP " + r.statusCode() + " " + r.body());
        }
        List<JsonNode> out = new ArrayList<>();
        JSON.readTree(r.body()).forEach(out::add);
        return out;
    }

    /** The alert whose labels include all of {@code labels}, if Alertmanager lists it. */
    Optional<JsonNode> find(Map<String, String> labels) throws IOException, InterruptedException {
        return alerts().stream().filter(a -> labels.entrySet().stream()
                .allMatch(e -> e.getValue().equals(a.path("labels").path(e.getKey()).asText(null)))).findFirst();
    }

    @Override
    public void close() throws InterruptedException {
        stop();
    }
}
