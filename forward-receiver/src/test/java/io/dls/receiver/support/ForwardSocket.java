package io.dls.receiver.support;

import org.msgpack.core.MessagePack;
import org.msgpack.core.MessageUnpacker;
import org.msgpack.value.Value;

import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.util.Map;

/** A bare forward-protocol connection for tests that need to control exactly what is on the wire. */
public final class ForwardSocket implements AutoCloseable {
    private final Socket socket;
    private final OutputStream out;
    private final MessageUnpacker in;

    public ForwardSocket(int port) throws IOException {
        socket = new Socket("127.0.0.1", port);
        socket.setSoTimeout(30_000);
        out = socket.getOutputStream();
        in = MessagePack.newDefaultUnpacker(socket.getInputStream());
    }

    /** A Forward-mode chunk of {@code events} records asking for an ack with the given chunk id. */
    public static byte[] chunk(String tag, String chunkId, int events, int firstIndex) {
        return Msgpack.pack(p -> {
            p.packArrayHeader(3).packString(tag).packArrayHeader(events);
            for (int i = 0; i < events; i++) {
                p.packArrayHeader(2).packLong(1_700_000_000L + firstIndex + i);
                Msgpack.writeRecord(p, Map.of("message", "event " + (firstIndex + i), "pad", "x".repeat(60)));
            }
            p.packMapHeader(1).packString("chunk").packString(chunkId);
        });
    }

    public void send(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
    }

    /** Blocks for the next ack and returns its chunk id. */
    public String readAck() throws IOException {
        Value v = in.unpackValue();
        return v.asMapValue().map().values().iterator().next().toString();
    }

    /** True once the server closed the connection (read returns end of stream). */
    public boolean closedByServer() {
        try {
            return socket.getInputStream().read() == -1;
        } catch (IOException e) {
            return true;
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
