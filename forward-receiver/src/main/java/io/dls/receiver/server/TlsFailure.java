package io.dls.receiver.server;

import io.netty.handler.ssl.NotSslRecordException;

import javax.net.ssl.SSLException;
import java.nio.channels.ClosedChannelException;
import java.util.Locale;

/**
 * Says in words why a TLS connection failed. Java's engine reports an OpenSSL agent (Fluentd, Fluent Bit)
 * that does not trust our certificate as "Insufficient buffer remaining for AEAD cipher fragment" (the
 * agent's alert arrives in the clear while the engine expects it encrypted), and a Node agent just hangs up;
 * neither told an operator to look at the agent's CA file.
 *
 * @param kind   what happened
 * @param detail the engine's own message, for the log line
 */
record TlsFailure(Kind kind, String detail) {

    enum Kind {
        /** We require a client certificate and got none, or one our CA does not vouch for. */
        CLIENT_CERT_REFUSED("client_cert", "client certificate refused: transport.client_cert_auth requires a"
                + " certificate signed by transport.ca_path"),
        /** The client aborted the handshake with an alert after it saw our certificate. */
        OUR_CERT_REFUSED("tls", "client refused our certificate: the agent's CA file (Fluentd tls_ca_cert_path,"
                + " Fluent Bit tls.ca_file) must hold the CA that signed transport.cert_path, and the host name"
                + " it connects to must be in that certificate"),
        /** The client hung up in the middle of the handshake: how most clients refuse an untrusted certificate. */
        CLIENT_HUNG_UP("tls", "the client closed the connection during the handshake, most likely because it does"
                + " not trust our certificate: check the agent's CA file (Fluentd tls_ca_cert_path, Fluent Bit"
                + " tls.ca_file) and that the host name it connects to is in transport.cert_path"),
        /** Plain TCP on the TLS port. */
        NOT_TLS("tls", "not TLS: the client sends plain forward protocol to the TLS port (turn TLS on in the"
                + " agent, or set transport.protocol: tcp)"),
        OTHER("tls", "tls handshake or record error");

        final String metricReason;
        final String explanation;

        Kind(String metricReason, String explanation) {
            this.metricReason = metricReason;
            this.explanation = explanation;
        }
    }

    /**
     * @param handshaking whether the failure came before the handshake completed
     * @return the failure, or null when there is nothing to report (a connection closed before sending a
     *         byte: a TCP health check, Fluentd's TCP heartbeat)
     */
    static TlsFailure classify(Throwable t, boolean handshaking, boolean bytesSeen) {
        if (t instanceof ClosedChannelException) {
            return handshaking && bytesSeen ? new TlsFailure(Kind.CLIENT_HUNG_UP, "connection closed") : null;
        }
        if (t instanceof NotSslRecordException) {
            return new TlsFailure(Kind.NOT_TLS, t.getMessage());
        }
        if (!(t instanceof SSLException)) {
            return null;
        }
        if (ForwardHandler.clientCertificateRefused(t)) {
            return new TlsFailure(Kind.CLIENT_CERT_REFUSED, t.getMessage());
        }
        String m = String.valueOf(t.getMessage()).toLowerCase(Locale.ROOT);
        if (handshaking && (m.contains("aead cipher fragment") || m.contains("bad_certificate")
                || m.contains("unknown_ca") || m.contains("certificate_unknown") || m.contains("bad certificate")
                || m.contains("unknown ca"))) {
            return new TlsFailure(Kind.OUR_CERT_REFUSED, t.getMessage());
        }
        return new TlsFailure(Kind.OTHER, t.getMessage());
    }
}
