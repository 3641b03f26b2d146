package io.dls.launcher.flink;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * The few calls of Flink's REST API that submitting and upgrading a job needs (the same ones the web UI and
 * {@code flink run} use): upload a jar, run it, list jobs, stop a job with a savepoint.
 */
public final class FlinkRest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final URI base;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    public FlinkRest(String url) {
        this.base = URI.create(url.endsWith("/") ? url : url + "/");
    }

    /** A job as {@code /jobs/overview} lists it. */
    public record Job(String id, String name, String state, long startTime) {
        boolean active() {
            return !List.of("FINISHED", "CANCELED", "FAILED").contains(state);
        }
    }

    public List<Job> jobs() throws IOException {
        List<Job> out = new ArrayList<>();
        for (JsonNode j : get("jobs/overview").path("jobs")) {
            out.add(new Job(j.path("jid").asText(), j.path("name").asText(), j.path("state").asText(),
                    j.path("start-time").asLong()));
        }
        return out;
    }

    /** Whether every task of the job is RUNNING (the job's own state turns RUNNING before its tasks are). */
    public boolean allTasksRunning(String jobId) throws IOException {
        JsonNode job = get("jobs/" + jobId);
        if (!"RUNNING".equals(job.path("state").asText())) {
            return false;
        }
        for (JsonNode v : job.path("vertices")) {
            if (!"RUNNING".equals(v.path("status").asText())) {
                return false;
            }
        }
        return true;
    }

    /** How often the job restarted since it was submitted (Flink's numRestarts), or -1 when not reported yet. */
    public long restarts(String jobId) throws IOException {
        JsonNode m = get("jobs/" + jobId + "/metrics?get=numRestarts");
        return m.size() == 0 ? -1 : m.path(0).path("value").asLong(-1);
    }

    public String uploadJar(Path jar) throws IOException {
        String boundary = "dls-" + UUID.randomUUID();
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.write(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"jarfile\"; filename=\""
                + jar.getFileName() + "\"\r\nContent-Type: application/x-java-archive\r\n\r\n").getBytes(StandardCharsets.UTF_8));
        body.write(Files.readAllBytes(jar));
        body.write(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
        HttpRequest req = HttpRequest.newBuilder(base.resolve("jars/upload"))
                .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .timeout(Duration.ofMinutes(2))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray())).build();
        JsonNode res = send(req);
        String file = res.path("filename").asText();
        if (file.isEmpty()) {
            throw new IOException("Flink did not accept the jar: " + res);
        }
        return Path.of(file).getFileName().toString();
    }

    /** Runs the job's main in the JobManager (which builds and submits the job graph); returns the job id. */
    public String run(String jarId, RunRequest r) throws IOException {
        ObjectNode body = JSON.createObjectNode();
        if (r.entryClass() != null) {
            body.put("entryClass", r.entryClass());
        }
        body.set("programArgsList", JSON.valueToTree(r.args()));
        if (r.parallelism() > 0) {
            body.put("parallelism", r.parallelism());
        }
        if (r.savepoint() != null) {
            body.put("savepointPath", r.savepoint());
            body.put("allowNonRestoredState", r.allowNonRestoredState());
        }
        JsonNode res = send(post("jars/" + jarId + "/run", body, Duration.ofMinutes(3)));
        return res.path("jobid").asText();
    }

    public void deleteJar(String jarId) throws IOException {
        send(HttpRequest.newBuilder(base.resolve("jars/" + jarId)).DELETE().build());
    }

    /** Stops the job with a savepoint in {@code dir} and returns the savepoint's location. */
    public String stopWithSavepoint(String jobId, String dir, Duration timeout) throws IOException, InterruptedException {
        ObjectNode body = JSON.createObjectNode();
        body.put("targetDirectory", dir);
        body.put("drain", false);
        String trigger = send(post("jobs/" + jobId + "/stop", body, Duration.ofSeconds(30))).path("request-id").asText();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            JsonNode s = get("jobs/" + jobId + "/savepoints/" + trigger);
            if ("COMPLETED".equals(s.path("status").path("id").asText())) {
                JsonNode op = s.path("operation");
                if (op.has("location")) {
                    return op.path("location").asText();
                }
                throw new IOException("savepoint failed: " + op.path("failure-cause").path("stack-trace").asText(op.toString())
                        .lines().findFirst().orElse(""));
            }
            Thread.sleep(500);
        }
        throw new IOException("no savepoint within " + timeout.toSeconds() + " s; the job is still running");
    }

    private HttpRequest post(String path, JsonNode body, Duration timeout) throws IOException {
        return HttpRequest.newBuilder(base.resolve(path)).header("Content-Type", "application/json").timeout(timeout)
                .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body))).build();
    }

    private JsonNode get(String path) throws IOException {
        return send(HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(30)).GET().build());
    }

    private JsonNode send(HttpRequest req) throws IOException {
        HttpResponse<String> res;
        try {
            res = http.send(req, HttpResponse.BodyHandlers.ofString());
        } catch (ConnectException e) {
            throw new IOException("Flink's REST API at " + base + " refused the connection: is the JobManager running?", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
        JsonNode json = res.body().isBlank() ? JSON.createObjectNode() : JSON.readTree(res.body());
        if (res.statusCode() >= 300) {
            // Flink puts the cause (often a whole stack trace) in "errors"; its first lines say what went wrong.
            StringBuilder msg = new StringBuilder();
            for (JsonNode e : json.path("errors")) {
                e.asText().lines().filter(l -> !l.isBlank() && !l.startsWith("\tat ")).limit(6)
                        .forEach(l -> msg.append("\n  ").append(l.strip()));
            }
            throw new IOException(req.method() + " " + req.uri().getPath() + ": HTTP " + res.statusCode() + msg);
        }
        return json;
    }

    /** What {@link #run} submits. */
    public record RunRequest(String entryClass, List<String> args, int parallelism, String savepoint,
                             boolean allowNonRestoredState) {
    }
}
