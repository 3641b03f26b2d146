package io.dls.receiver.ops;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executors;
import java.util.function.BooleanSupplier;

/**
 * The operator's port: Prometheus {@code /metrics}, and {@code /health} that answers 200 only while the
 * downstream store (Kafka) is reachable, so a load balancer stops sending agents to a receiver that cannot
 * ack them.
 */
public final class AdminServer implements AutoCloseable {
    private final HttpServer http;

    public AdminServer(String bind, int port, ReceiverMetrics metrics, BooleanSupplier ready) throws IOException {
        http = HttpServer.create(new InetSocketAddress(bind, port), 16);
        PrometheusTextFormatWriter writer = PrometheusTextFormatWriter.create();
        http.createContext("/metrics", ex -> {
            ByteArrayOutputStream out = new ByteArrayOutputStream(16384);
            writer.write(out, metrics.registry().scrape());
            respond(ex, 200, writer.getContentType(), out.toByteArray());
        });
        http.createContext("/health", ex -> {
            boolean ok = ready.getAsBoolean();
            respond(ex, ok ? 200 : 503, "application/json",
                    (ok ? "{\"status\":\"UP\",\"kafka\":\"reachable\"}\n"
                            : "{\"status\":\"DOWN\",\"kafka\":\"unreachable\"}\n").getBytes(StandardCharsets.UTF_8));
        });
        http.setExecutor(Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "admin-http");
            t.setDaemon(true);
            return t;
        }));
        http.start();
    }

    public int port() {
        return http.getAddress().getPort();
    }

    private static void respond(HttpExchange ex, int status, String type, byte[] body) throws IOException {
        ex.getResponseHeaders().set("Content-Type", type);
        ex.sendResponseHeaders(status, body.length);
        try (OutputStream os = ex.getResponseBody()) {
            os.write(body);
        }
    }

    @Override
    public void close() {
        http.stop(0);
    }
}
