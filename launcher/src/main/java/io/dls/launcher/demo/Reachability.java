package io.dls.launcher.demo;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.Optional;

/**
 * A plain TCP connect before the real clients start: both Fluency and the Kafka client would retry
 * quietly (or with pages of warnings) against a server that is not there, while the person running the
 * demo needs one sentence saying what to start.
 */
public final class Reachability {
    private Reachability() {
    }

    /** Empty when a connection could be made, else why not ("connection refused", "timed out", ...). */
    public static Optional<String> problem(String host, int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(host, port), 2_000);
            return Optional.empty();
        } catch (IOException e) {
            String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
            return Optional.of(m.toLowerCase(java.util.Locale.ROOT).replaceAll(" \\(.*\\)$", ""));
        }
    }

    /** Empty when any of the bootstrap servers ({@code host:port,host:port}) accepts a connection. */
    public static Optional<String> kafkaProblem(String bootstrap) {
        String last = "no bootstrap servers given";
        for (String server : bootstrap.split(",")) {
            String s = server.trim();
            int colon = s.lastIndexOf(':');
            if (colon <= 0) {
                last = "'" + s + "' is not host:port";
                continue;
            }
            Optional<String> p;
            try {
                p = problem(s.substring(0, colon), Integer.parseInt(s.substring(colon + 1)));
            } catch (NumberFormatException e) {
                last = "'" + s + "' is not host:port";
                continue;
            }
            if (p.isEmpty()) {
                return p;
            }
            last = s + " " + p.get();
        }
        return Optional.of(last);
    }
}
