package io.dls.job.support;

import java.io.File;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Debian's nginx on 127.0.0.1 as an authenticating reverse proxy ({@code auth_basic} with an htpasswd file)
 * in front of the test Elasticsearch, which (7.10 OSS, no x-pack) has no security of its own: the way
 * operators put basic auth in front of ES OSS. Runs from its own prefix in a temp dir (config, pid, logs,
 * buffers), in the foreground, so the test owns the process. A missing nginx fails the test with the fix.
 */
public final class NginxBasicAuth implements AutoCloseable {
    private final Path dir;
    private final Process process;
    private final int port;

    private NginxBasicAuth(Path dir, Process process, int port) {
        this.dir = dir;
        this.process = process;
        this.port = port;
    }

    /** @param upstream e.g. http://127.0.0.1:9201; only {@code user}/{@code password} get through */
    public static NginxBasicAuth start(String upstream, String user, String password) throws IOException {
        String nginx = binary();
        Path dir = Files.createTempDirectory("nginx-es");
        int port = freePort();
        Files.writeString(dir.resolve("htpasswd"), user + ":" + apr1(password) + "\n");
        // As root the workers would drop to nobody, who cannot enter the private temp dir: keep them root.
        String userLine = "root".equals(System.getProperty("user.name")) ? "user root;\n" : "";
        Files.writeString(dir.resolve("nginx.conf"), userLine + """
                worker_processes 1;
                pid %1$s/nginx.pid;
                error_log %1$s/error.log warn;
                events { worker_connections 128; }
                http {
                  access_log %1$s/access.log;
                  client_body_temp_path %1$s/client_body;
                  proxy_temp_path %1$s/proxy;
                  fastcgi_temp_path %1$s/fastcgi;
                  uwsgi_temp_path %1$s/uwsgi;
                  scgi_temp_path %1$s/scgi;
                  client_max_body_size 64m;
                  server {
                    listen 127.0.0.1:%2$d;
                    location / {
                      auth_basic "elasticsearch";
                      auth_basic_user_file %1$s/htpasswd;
                      proxy_pass %3$s;
                      proxy_http_version 1.1;
                      proxy_set_header Connection "";
                    }
                  }
                }
                """.formatted(dir, port, upstream));
        Process p = new ProcessBuilder(nginx, "-p", dir.toString(), "-c", dir.resolve("nginx.conf").toString(),
                "-e", dir.resolve("error.log").toString(), "-g", "daemon off;")
                .redirectErrorStream(true).redirectOutput(dir.resolve("nginx.out").toFile()).start();
        NginxBasicAuth n = new NginxBasicAuth(dir, p, port);
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (System.nanoTime() < deadline) {
            if (!p.isAlive()) {
                throw new IllegalStateException("nginx exited with " + p.exitValue() + ": "
                        + Files.readString(dir.resolve("nginx.out")) + Files.readString(dir.resolve("error.log")));
            }
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 200);
                return n;
            } catch (IOException notYet) {
                sleep(100);
            }
        }
        n.close();
        throw new IllegalStateException("nginx did not open port " + port + " in 20 s; see " + dir);
    }

    public String url() {
        return "http://127.0.0.1:" + port;
    }

    /** nginx's combined log: one line per request with the authenticated user and the status. */
    public List<String> accessLog() throws IOException {
        Path log = dir.resolve("access.log");
        return Files.exists(log) ? Files.readAllLines(log) : List.of();
    }

    @Override
    public void close() {
        process.destroy(); // SIGTERM: nginx's fast shutdown
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static String binary() {
        for (String candidate : List.of("/usr/sbin/nginx", "/usr/bin/nginx", "/usr/local/sbin/nginx")) {
            if (new File(candidate).canExecute()) {
                return candidate;
            }
        }
        throw new IllegalStateException("nginx is not installed, and this test needs it as the authenticating proxy"
                + " in front of Elasticsearch: apt-get install nginx (.ci/run installs it)");
    }

    /** The htpasswd hash nginx checks ({@code openssl passwd -apr1}); the password goes on stdin, not argv. */
    private static String apr1(String password) throws IOException {
        Process p = new ProcessBuilder("openssl", "passwd", "-apr1", "-stdin").redirectErrorStream(true).start();
        p.getOutputStream().write((password + "\n").getBytes(StandardCharsets.UTF_8));
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        try {
            if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0 || !out.startsWith("$apr1$")) {
                throw new IllegalStateException("openssl passwd -apr1 failed: " + out);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        return out;
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
