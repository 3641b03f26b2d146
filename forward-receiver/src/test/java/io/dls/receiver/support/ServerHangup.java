package io.dls.receiver.support;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.time.Duration;

/** Client-side proof that the server closed a connection (ForwardSocket.closedByServer also says yes on a timeout). */
public final class ServerHangup {
    private ServerHangup() {
    }

    /**
     * Reads until the server closes the connection (end of stream or reset) and returns what it sent before;
     * fails if the connection is still open after {@code within}.
     */
    public static byte[] await(Socket s, Duration within) {
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        long deadline = System.nanoTime() + within.toNanos();
        try {
            InputStream in = s.getInputStream();
            byte[] buf = new byte[8192];
            while (true) {
                long left = Math.max(1, (deadline - System.nanoTime()) / 1_000_000);
                s.setSoTimeout((int) Math.min(left, Integer.MAX_VALUE));
                int n = in.read(buf);
                if (n < 0) {
                    return got.toByteArray();
                }
                got.write(buf, 0, n);
            }
        } catch (SocketTimeoutException e) {
            throw new AssertionError("server did not close the connection from port " + s.getLocalPort()
                    + " within " + within + " (it sent " + got.size() + " bytes)");
        } catch (SocketException | javax.net.ssl.SSLException e) {
            // A reset (our bytes were left unread) or a TLS alert/EOF: still a close by the server.
            return got.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
