package io.dls.notifier;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;

/** {@code POST /api/v2/alerts} to one Alertmanager, with the answer sorted into what to do next. */
public final class AlertmanagerClient {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** What one post came to. */
    public sealed interface Outcome permits Accepted, Refused, Failed {
    }

    /** 2xx: Alertmanager has the alerts. */
    public record Accepted() implements Outcome {
    }

    /** 400, 413, 422: Alertmanager judged these alerts and will never take them as they are. */
    public record Refused(int status, String body) implements Outcome {
    }

    /**
     * Connection refused, timed out, 5xx, and the other 4xx (404 from a wrong URL or path, 401/403 from a
     * proxy, 408, 429): the fault is in the way to Alertmanager, not in the alerts, so they are tried again.
     */
    public record Failed(String reason) implements Outcome {
    }

    private final URI alertsUri;
    private final String name;
    private final HttpClient http;
    private final Duration requestTimeout;

    public AlertmanagerClient(String baseUrl, Duration requestTimeout) {
        String base = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
        this.name = base;
        this.alertsUri = URI.create(base + "/api/v2/alerts");
        this.requestTimeout = requestTimeout;
        // HTTP/1.1: Alertmanager serves plain HTTP/1.1; an h2c upgrade attempt only adds a round trip.
        this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(requestTimeout).build();
    }

    public String name() {
        return name;
    }

    public Outcome post(List<AlertmanagerAlert> alerts) {
        HttpRequest req = HttpRequest.newBuilder(alertsUri)
                .timeout(requestTimeout)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body(alerts)))
                .build();
        try {
            HttpResponse<String> resp = http.send(req, HttpResponse.BodyHandlers.ofString());
            int s = resp.statusCode();
            if (s >= 200 && s < 300) {
                return new Accepted();
            }
            String body = resp.body() == null ? "" : resp.body().strip();
            if (s == 400 || s == 413 || s == 422) {
                return new Refused(s, body);
            }
            return new Failed("HTTP " + s + (body.isEmpty() ? "" : ": " + body));
        } catch (IOException e) {
            return new Failed(e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Failed("interrupted");
        }
    }

    static byte[] body(List<AlertmanagerAlert> alerts) {
        ArrayNode arr = JSON.createArrayNode();
        for (AlertmanagerAlert a : alerts) {
            ObjectNode o = arr.addObject();
            ObjectNode labels = o.putObject("labels");
            a.labels().forEach(labels::put);
            ObjectNode ann = o.putObject("annotations");
            a.annotations().forEach(ann::put);
            o.put("startsAt", a.startsAt().toString());
            if (a.endsAt() != null) {
                o.put("endsAt", a.endsAt().toString());
            }
            if (a.generatorUrl() != null) {
                o.put("generatorURL", a.generatorUrl());
            }
        }
        try {
            return JSON.writeValueAsBytes(arr);
        } catch (IOException e) {
            throw new IllegalStateException("cannot happen: JSON of strings", e);
        }
    }
}
