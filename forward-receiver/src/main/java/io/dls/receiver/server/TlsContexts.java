package io.dls.receiver.server;

import io.dls.receiver.config.ReceiverConfig;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;

import javax.net.ssl.SSLException;
import java.io.File;

/** Builds the server's TLS context from Fluentd-style PEM settings. */
final class TlsContexts {
    private TlsContexts() {
    }

    static SslContext server(ReceiverConfig.Transport t) {
        try {
            SslContextBuilder b = SslContextBuilder.forServer(new File(t.certPath()), new File(t.privateKeyPath()),
                    t.privateKeyPassphrase());
            if (t.clientCertAuth()) {
                b.trustManager(new File(t.caPath())).clientAuth(ClientAuth.REQUIRE);
            } else if (t.caPath() != null) {
                b.trustManager(new File(t.caPath())).clientAuth(ClientAuth.OPTIONAL);
            }
            return b.protocols("TLSv1.3", "TLSv1.2").build();
        } catch (SSLException | IllegalArgumentException e) {
            throw new IllegalArgumentException("transport: cannot load TLS certificate/key (cert_path="
                    + t.certPath() + ", private_key_path=" + t.privateKeyPath() + "): " + e.getMessage(), e);
        }
    }
}
