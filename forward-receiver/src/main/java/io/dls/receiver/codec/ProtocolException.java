package io.dls.receiver.codec;

/**
 * A frame that breaks the forward protocol. The connection that sent it is closed; the reason is a short
 * stable word used as the metric label, the message says what was wrong for the log line.
 */
public final class ProtocolException extends RuntimeException {
    private final String reason;

    public ProtocolException(String reason, String message) {
        super(message);
        this.reason = reason;
    }

    public ProtocolException(String reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
    }

    /** Short label for metrics: truncated, too_large, too_deep, bad_type, ... */
    public String reason() {
        return reason;
    }
}
