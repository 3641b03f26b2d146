package io.dls.job.support;

import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * An HTTP proxy in front of the real test Elasticsearch that can answer for it the way a sick cluster does:
 * 429 to whole bulks (a tripped circuit breaker) or 503 to everything (no master, node restarting). Everything
 * it forwards is Elasticsearch's own answer.
 */
public final class EsProxy implements AutoCloseable {
    public enum Mode { FORWARD, BULKS_429, ALL_503 }

    private static final String REFUSAL_429 = "{\"error\":{\"type\":\"circuit_breaking_exception\",\"reason\":\"[parent] Data too large\"},\"status\":429}";
    private static final String REFUSAL_503 = "{\"error\":{\"type\":\"master_not_discovered_exception\",\"reason\":null},\"status\":503}";

    private final HttpServer server;
    private final AtomicReference<Mode> mode = new AtomicReference<>(Mode.FORWARD);
    private final AtomicInteger bulks = new AtomicInteger();
    private final AtomicInteger refused = new AtomicInteger();

    public EsProxy() throws IOException {
        String es = TestElasticsearch.url();
        HttpClient http = HttpClient.newHttpClient();
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", exchange -> {
            byte[] body = exchange.getRequestBody().readAllBytes();
            boolean bulk = exchange.getRequestURI().getPath().equals("/_bulk");
            if (bulk) {
                bulks.incrementAndGet();
            }
            Mode m = mode.get();
            int status;
            byte[] answer;
            if (m == Mode.ALL_503 || (m == Mode.BULKS_429 && bulk)) {
                refused.incrementAndGet();
                status = m == Mode.ALL_503 ? 503 : 429;
                answer = (m == Mode.ALL_503 ? REFUSAL_503 : REFUSAL_429).getBytes(StandardCharsets.UTF_8);
            } else {
                try {
                    HttpResponse<byte[]> r = http.send(HttpRequest.newBuilder(URI.create(es + exchange.getRequestURI()))
                            .method(exchange.getRequestMethod(), HttpRequest.BodyPublishers.ofByteArray(body))
                            .header("Content-Type", "application/json").build(), HttpResponse.BodyHandlers.ofByteArray());
                    status = r.statusCode();
                    answer = r.body();
                } catch (InterruptedException e) {
                    throw new IOException(e);
                }
            }
            exchange.getResponseHeaders().set("Content-Type", "application/json; charset=UTF-8");
            exchange.sendResponseHeaders(status, answer.length == 0 ? -1 : answer.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(answer);
            }
        });
        server.setExecutor(java.util.concurrent.Executors.newFixedThreadPool(4));
        server.start();
    }

    public String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    public void mode(Mode m) {
        mode.set(m);
    }

    /** Bulk requests that reached the proxy. */
    public int bulks() {
        return bulks.get();
    }

    /** Requests the proxy answered for Elasticsearch with 429 or 503. */
    public int refused() {
        return refused.get();
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
