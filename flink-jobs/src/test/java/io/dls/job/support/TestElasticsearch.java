package io.dls.job.support;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.codelibs.elasticsearch.runner.ElasticsearchClusterRunner;

import io.dls.testing.CloseAtExit;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Duration;

/**
 * A real Elasticsearch 7.10.2 node inside the test JVM (codelibs cluster runner), started once for all
 * test classes, with a small HTTP client for what the tests ask it.
 */
public final class TestElasticsearch {
    private static ElasticsearchClusterRunner runner;
    private static String url;
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final ObjectMapper JSON = new ObjectMapper();

    private TestElasticsearch() {
    }

    public static synchronized String url() {
        if (runner == null) {
            try {
                int base = freePort();
                ElasticsearchClusterRunner r = new ElasticsearchClusterRunner();
                r.setMaxHttpPort(base + 50); // the runner only takes HTTP ports up to this one
                r.onBuild((n, settings) -> {
                    settings.put("network.host", "127.0.0.1");
                    settings.put("http.port", base + 1);
                    settings.put("transport.port", base + 101);
                    settings.put("action.auto_create_index", "true");
                });
                r.build(ElasticsearchClusterRunner.newConfigs().numOfNode(1).baseHttpPort(base)
                        .clusterName("dls-test").basePath(Files.createTempDirectory("es-test").toString()));
                r.ensureYellow();
                runner = r;
                url = "http://127.0.0.1:" + (base + 1);
                CloseAtExit.register("test Elasticsearch node", () -> {
                    r.close();
                    r.clean();
                });
            } catch (IOException e) {
                throw new IllegalStateException("could not start the test Elasticsearch node", e);
            }
        }
        return url;
    }

    public static JsonNode get(String path) {
        return send(HttpRequest.newBuilder(URI.create(url() + path)).GET());
    }

    public static JsonNode post(String path, String body) {
        return send(HttpRequest.newBuilder(URI.create(url() + path)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)));
    }

    public static JsonNode put(String path, String body) {
        return send(HttpRequest.newBuilder(URI.create(url() + path)).header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString(body)));
    }

    public static JsonNode delete(String path) {
        return send(HttpRequest.newBuilder(URI.create(url() + path)).DELETE());
    }

    /** _count over an index pattern, after a refresh so just-written documents are visible. */
    public static long count(String index) {
        post("/" + index + "/_refresh", "");
        JsonNode n = get("/" + index + "/_count");
        return n.path("count").asLong(0);
    }

    private static JsonNode send(HttpRequest.Builder b) {
        try {
            HttpResponse<String> res = HTTP.send(b.timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
            return JSON.readTree(res.body().isEmpty() ? "{}" : res.body());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static int freePort() throws IOException {
        // The runner takes base+1 (HTTP) and base+101 (transport); pick a base with room above it.
        for (int i = 0; i < 50; i++) {
            int p;
            try (ServerSocket s = new ServerSocket(0)) {
                p = s.getLocalPort();
            }
            if (p < 60000 && free(p + 1) && free(p + 101)) {
                return p;
            }
        }
        throw new IOException("no free port pair for Elasticsearch");
    }

    private static boolean free(int port) {
        try (ServerSocket s = new ServerSocket(port)) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
