package io.dls.receiver.server;

import io.dls.receiver.codec.Frame;
import io.dls.receiver.codec.ProtocolException;
import io.dls.receiver.config.ReceiverConfig;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import org.msgpack.core.MessageBufferPacker;
import org.msgpack.core.MessageFormat;
import org.msgpack.core.MessagePack;
import org.msgpack.core.MessageUnpacker;
import org.msgpack.value.ValueType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.HexFormat;

/**
 * Fluentd's in_forward authentication: HELO with a nonce and an auth salt, the client's PING with
 * {@code sha512_hex(shared_key_salt + hostname + nonce + shared_key)} and, with user_auth,
 * {@code sha512_hex(auth_salt + username + password)}; PONG proves the server knows the key too.
 * A client that fails gets a PONG saying why, a log line and a closed connection. After success this
 * handler leaves the pipeline and frames flow straight to the forward handler.
 */
final class HandshakeHandler extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(HandshakeHandler.class);
    private static final SecureRandom RANDOM = new SecureRandom();

    private final ReceiverConfig.Security security;
    private final String selfHostname;
    private final Runnable onFailure;
    private final byte[] nonce = new byte[16];
    private final byte[] authSalt = new byte[16];
    /**
     * Set when a PING is refused. The close waits for the PONG to be written, and frames already read behind
     * the PING (a client may pipeline its data) used to be taken as further PINGs: each one refused, counted
     * and logged again. One connection, one refusal.
     */
    private boolean refused;

    HandshakeHandler(ReceiverConfig.Security security, String selfHostname, Runnable onFailure) {
        this.security = security;
        this.selfHostname = selfHostname;
        this.onFailure = onFailure;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        RANDOM.nextBytes(nonce);
        RANDOM.nextBytes(authSalt);
        try (MessageBufferPacker p = MessagePack.newDefaultBufferPacker()) {
            p.packArrayHeader(2).packString("HELO").packMapHeader(3);
            p.packString("nonce").packBinaryHeader(nonce.length).writePayload(nonce);
            p.packString("auth").packBinaryHeader(authSalt.length).writePayload(authSalt);
            p.packString("keepalive").packBoolean(true);
            ctx.writeAndFlush(Unpooled.wrappedBuffer(p.toByteArray()));
        }
        super.channelActive(ctx);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
        if (!(msg instanceof Frame frame)) {
            ctx.fireChannelRead(msg);
            return;
        }
        if (refused) {
            return; // closing: what followed the refused PING is dropped
        }
        Ping ping = Ping.parse(frame);
        String failure = check(ping);
        if (failure != null) {
            refused = true;
            log.warn("handshake refused peer={} hostname={} username={} reason=\"{}\"", ctx.channel().remoteAddress(),
                    ping.hostname, ping.username, failure);
            onFailure.run();
            ctx.writeAndFlush(Unpooled.wrappedBuffer(pong(false, failure, "", "")))
                    .addListener(ChannelFutureListener.CLOSE);
            return;
        }
        String digest = sha512Hex(ping.sharedKeySalt, bytes(selfHostname), nonce, bytes(security.sharedKey()));
        ctx.writeAndFlush(Unpooled.wrappedBuffer(pong(true, "", selfHostname, digest)));
        log.debug("handshake ok peer={} hostname={}", ctx.channel().remoteAddress(), ping.hostname);
        ctx.pipeline().remove(this);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) throws Exception {
        if (refused) {
            // The connection was reported as refused; an error while it closes (e.g. the rest of a frame cut
            // off by the close) is not a second incident.
            log.debug("error after handshake refusal peer={} detail=\"{}\"", ctx.channel().remoteAddress(),
                    cause.getMessage());
            return;
        }
        super.exceptionCaught(ctx, cause);
    }

    private String check(Ping ping) {
        String expected = sha512Hex(ping.sharedKeySalt, bytes(ping.hostname), nonce, bytes(security.sharedKey()));
        if (!MessageDigest.isEqual(bytes(expected), bytes(ping.sharedKeyDigest))) {
            return "shared_key mismatch";
        }
        if (security.userAuth()) {
            for (ReceiverConfig.User u : security.users()) {
                if (u.username().equals(ping.username)) {
                    String want = sha512Hex(authSalt, bytes(u.username()), bytes(u.password()));
                    if (MessageDigest.isEqual(bytes(want), bytes(ping.passwordDigest))) {
                        return null;
                    }
                }
            }
            return "username/password mismatch";
        }
        return null;
    }

    private static byte[] pong(boolean ok, String reason, String hostname, String digest) throws IOException {
        try (MessageBufferPacker p = MessagePack.newDefaultBufferPacker()) {
            p.packArrayHeader(5).packString("PONG").packBoolean(ok).packString(reason)
                    .packString(hostname).packString(digest);
            return p.toByteArray();
        }
    }

    /** {@code ["PING", hostname, shared_key_salt, digest, username, password_digest]}; nil fields read as "". */
    private record Ping(String hostname, byte[] sharedKeySalt, String sharedKeyDigest, String username,
                        String passwordDigest) {
        static Ping parse(Frame frame) {
            if (frame.json()) {
                throw new ProtocolException("handshake", "expected a msgpack PING, got JSON");
            }
            try (MessageUnpacker u = MessagePack.newDefaultUnpacker(frame.bytes())) {
                if (u.getNextFormat().getValueType() != ValueType.ARRAY || u.unpackArrayHeader() != 6
                        || !"PING".equals(text(u))) {
                    throw new ProtocolException("handshake", "expected PING with 6 elements before any data");
                }
                String hostname = text(u);
                byte[] salt = raw(u);
                return new Ping(hostname, salt, text(u), text(u), text(u));
            } catch (IOException | org.msgpack.core.MessagePackException e) {
                throw new ProtocolException("handshake", "malformed PING: " + e.getMessage(), e);
            }
        }

        private static byte[] raw(MessageUnpacker u) throws IOException {
            MessageFormat f = u.getNextFormat();
            return switch (f.getValueType()) {
                case STRING -> bounded(u, u.unpackRawStringHeader());
                case BINARY -> bounded(u, u.unpackBinaryHeader());
                case NIL -> {
                    u.unpackNil();
                    yield new byte[0];
                }
                default -> throw new ProtocolException("handshake", "PING field of type " + f.getValueType());
            };
        }

        /** The frame was scanned whole, but a PING field is small: refuse anything over 4 KiB unread. */
        private static byte[] bounded(MessageUnpacker u, int len) throws IOException {
            if (len < 0 || len > 4096) {
                throw new ProtocolException("handshake", "PING field of " + len + " bytes");
            }
            return u.readPayload(len);
        }

        private static String text(MessageUnpacker u) throws IOException {
            return new String(raw(u), StandardCharsets.UTF_8);
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static String sha512Hex(byte[]... parts) {
        try {
            MessageDigest d = MessageDigest.getInstance("SHA-512");
            for (byte[] p : parts) {
                d.update(p);
            }
            return HexFormat.of().formatHex(d.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
