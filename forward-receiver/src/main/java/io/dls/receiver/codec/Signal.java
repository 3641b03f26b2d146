package io.dls.receiver.codec;

/**
 * What a forward chunk carries, by Fluent Bit's {@code fluent_signal} option: 0 (or absent) logs, 1 metrics
 * (a cmetrics msgpack blob), 2 traces (a ctraces msgpack blob). Other values are treated as logs, as Fluentd
 * does (it knows no signals).
 */
public enum Signal {
    LOGS, METRICS, TRACES;

    static Signal of(long code) {
        return code == 1 ? METRICS : code == 2 ? TRACES : LOGS;
    }

    /** The metric label and log word. */
    public String label() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
