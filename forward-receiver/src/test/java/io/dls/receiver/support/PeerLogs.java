package io.dls.receiver.support;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.Property;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.regex.Pattern;

import static org.awaitility.Awaitility.await;

/**
 * Collects the receiver's own log lines (loggers under {@code io.dls}) in memory, so a test can assert that a
 * given connection was logged. The receiver names a connection as {@code peer=/127.0.0.1:<port>}; the client
 * knows its local port, which ties a log line to exactly one test socket.
 */
public final class PeerLogs implements AutoCloseable {
    private final List<String> lines = Collections.synchronizedList(new ArrayList<>());
    /** Every logger's lines, the libraries' too: for asserting that something is logged nowhere. */
    private final List<String> everything = Collections.synchronizedList(new ArrayList<>());
    private volatile int from;
    private final AbstractAppender appender;
    private final LoggerContext context;

    private PeerLogs() {
        appender = new AbstractAppender("capture-" + System.nanoTime(), null, null, true, Property.EMPTY_ARRAY) {
            @Override
            public void append(LogEvent e) {
                String line = e.getLevel() + " " + e.getMessage().getFormattedMessage()
                        + (e.getThrown() == null ? "" : " " + e.getThrown());
                everything.add(line);
                if (e.getLoggerName().startsWith("io.dls.")) {
                    lines.add(e.getLevel() + " " + e.getMessage().getFormattedMessage());
                }
            }
        };
        appender.start();
        context = (LoggerContext) LogManager.getContext(false);
        // On the root logger: its level (INFO in log4j2-test.xml) filters first, as it would in production.
        context.getConfiguration().getRootLogger().addAppender(appender, null, null);
        context.updateLoggers();
    }

    public static PeerLogs start() {
        return new PeerLogs();
    }

    /**
     * Looks only at lines written from now on. Client ports are reused over a long test, so a port names one
     * connection only among those open at the same time: call this when a new set of connections starts.
     */
    public void forgetEarlier() {
        from = lines.size();
    }

    /** Lines (since {@link #forgetEarlier()}) that name the connection from this client port and contain every fragment. */
    public List<String> forPeer(int clientPort, String... fragments) {
        // The port must not be the prefix of a longer one (port 4321 vs 43210).
        Pattern peer = Pattern.compile("peer=\\S*:" + clientPort + "(?!\\d)");
        return matching(fragments).stream().filter(l -> peer.matcher(l).find()).toList();
    }

    /**
     * Lines (since {@link #forgetEarlier()}) that contain every fragment. A line reads
     * {@code <LEVEL> <message>}, e.g. {@code WARN handshake refused peer=...}.
     */
    public List<String> matching(String... fragments) {
        List<String> recent;
        synchronized (lines) {
            recent = new ArrayList<>(lines.subList(Math.min(from, lines.size()), lines.size()));
        }
        return recent.stream()
                .filter(l -> {
                    for (String f : fragments) {
                        if (!l.contains(f)) {
                            return false;
                        }
                    }
                    return true;
                })
                .toList();
    }

    /** Lines of any logger, the receiver's or a library's, since this capture started, containing the text. */
    public List<String> anywhere(String text) {
        synchronized (everything) {
            return everything.stream().filter(l -> l.contains(text)).toList();
        }
    }

    /** Waits until a line for that connection with every fragment was written, and returns it. */
    public String awaitPeer(int clientPort, String... fragments) {
        await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(20))
                .until(() -> !forPeer(clientPort, fragments).isEmpty());
        return forPeer(clientPort, fragments).get(0);
    }

    @Override
    public void close() {
        context.getConfiguration().getRootLogger().removeAppender(appender.getName());
        context.updateLoggers();
        appender.stop();
    }
}
