package io.dls.job.index;

import io.dls.contracts.IndexNames;

import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * The index job's composable index templates (logs-*, alerts-*). Idempotent: a PUT replaces the template with the
 * same content, so every start and every writer may do it.
 */
public final class IndexTemplates {
    /** Template name -> its resource in the jar. */
    public static final Map<String, String> TEMPLATES = Map.of(
            IndexNames.LOGS_TEMPLATE, "logs", IndexNames.ALERTS_TEMPLATE, "alerts");

    private IndexTemplates() {
    }

    /** @param resource "logs" or "alerts" */
    public static String json(String resource) {
        try (InputStream in = IndexTemplates.class.getResourceAsStream("/elasticsearch/" + resource + "-template.json")) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException | NullPointerException e) {
            throw new IllegalStateException("index template " + resource + " missing from the jar", e);
        }
    }

    static void install(ElasticsearchHttp es, String username) throws IOException, InterruptedException {
        for (Map.Entry<String, String> t : TEMPLATES.entrySet()) {
            HttpResponse<String> res = es.send("PUT", "/_index_template/" + t.getKey(), json(t.getValue()));
            if (res.statusCode() == 401 || res.statusCode() == 403) {
                throw new IOException("Elasticsearch at " + es.baseUrl() + " refused the job's credentials (HTTP "
                        + res.statusCode() + (username == null ? ", no --es-username given" : " for user '" + username + "'")
                        + "): check --es-username and --es-password / --es-password-file / ES_PASSWORD");
            }
            if (res.statusCode() / 100 != 2) {
                throw new IOException("Elasticsearch refused index template " + t.getKey() + " at " + es.baseUrl()
                        + ": HTTP " + res.statusCode() + " " + res.body());
            }
        }
    }

    /** For callers outside the writer (tests, tools). */
    public static void install(String baseUrl, String username, String password) throws IOException, InterruptedException {
        install(new ElasticsearchHttp(baseUrl, username, password), username);
    }
}
