package io.dls.launcher.alerts;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The active alerts of an Alertmanager, from its API v2 ({@code GET /api/v2/alerts?active=true}). */
public final class AlertmanagerAlerts {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Labels every line has in its own columns, or that only steer Alertmanager. */
    private static final List<String> NOT_SHOWN = List.of("alertname", "severity", "silence_inhibitable");

    private AlertmanagerAlerts() {
    }

    public static List<ActiveAlert> fetch(String baseUrl, Duration timeout) throws IOException, InterruptedException {
        HttpClient http = HttpClient.newBuilder().connectTimeout(timeout).build();
        String url = baseUrl.replaceAll("/+$", "") + "/api/v2/alerts?active=true";
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url)).timeout(timeout).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IOException("GET " + url + " answered " + r.statusCode());
        }
        return parse(JSON.readTree(r.body()));
    }

    static List<ActiveAlert> parse(JsonNode array) {
        List<ActiveAlert> out = new ArrayList<>();
        for (JsonNode a : array) {
            Map<String, String> labels = new LinkedHashMap<>();
            a.path("labels").fields().forEachRemaining(e -> {
                if (!NOT_SHOWN.contains(e.getKey())) {
                    labels.put(e.getKey(), e.getValue().asText());
                }
            });
            String startsAt = a.path("startsAt").asText(null);
            out.add(new ActiveAlert(a.at("/labels/severity").asText(null), a.at("/labels/alertname").asText("?"), labels,
                    startsAt == null ? null : Instant.parse(startsAt), a.at("/annotations/summary").asText(null),
                    a.at("/status/state").asText(null)));
        }
        return out;
    }
}
