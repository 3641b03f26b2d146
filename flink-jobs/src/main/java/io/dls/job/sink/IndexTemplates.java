package io.dls.job.sink;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;

/**
 * Installs the job's composable index templates (logs-*, alerts-*). Idempotent: a PUT replaces the
 * template with the same content, so every start and every sink subtask may do it.
 */
public final class IndexTemplates {
    public static final List<String> NAMES = List.of("logs", "alerts");

    private IndexTemplates() {
    }

    public static String json(String name) {
        try (InputStream in = IndexTemplates.class.getResourceAsStream("/elasticsearch/" + name + "-template.json")) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException | NullPointerException e) {
            throw new IllegalStateException("index template " + name + " missing from the jar", e);
        }
    }

    /** @param baseUrl e.g. http://127.0.0.1:9200 */
    public static void install(String baseUrl, String username, String password) throws IOException, InterruptedException {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
        for (String name : NAMES) {
            HttpRequest.Builder req = HttpRequest.newBuilder(URI.create(baseUrl + "/_index_template/dls-" + name))
                    .timeout(Duration.ofSeconds(30))
                    .header("Content-Type", "application/json")
                    .PUT(HttpRequest.BodyPublishers.ofString(json(name)));
            if (username != null) {
                req.header("Authorization", "Basic " + Base64.getEncoder().encodeToString(
                        (username + ":" + password).getBytes(StandardCharsets.UTF_8)));
            }
            HttpResponse<String> res = http.send(req.build(), HttpResponse.BodyHandlers.ofString());
            if (res.statusCode() == 401 || res.statusCode() == 403) {
                // Said plainly: the job fails here, at the sink's start, instead of dropping documents later.
                throw new IOException("Elasticsearch at " + baseUrl + " refused the job's credentials (HTTP "
                        + res.statusCode() + (username == null ? ", no --es-username given" : " for user '" + username + "'")
                        + "): check --es-username and --es-password / --es-password-file / ES_PASSWORD");
            }
            if (res.statusCode() / 100 != 2) {
                throw new IOException("Elasticsearch refused index template dls-" + name + " at " + baseUrl + ": HTTP "
                        + res.statusCode() + " " + res.body());
            }
        }
    }
}
