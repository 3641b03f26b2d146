package io.dls.receiver.server;

import io.dls.receiver.support.Msgpack;
import io.dls.receiver.support.Pipelines;
import io.dls.receiver.support.RecordingSink;
import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.Test;
import org.msgpack.value.Value;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import static io.dls.receiver.support.Msgpack.pack;
import static io.dls.receiver.support.Pipelines.buf;
import static io.dls.receiver.support.Pipelines.outbound;
import static org.assertj.core.api.Assertions.assertThat;

/** Fluentd's shared_key / user_auth handshake, played by a hand-written client. */
class HandshakeTest {
    private final RecordingSink sink = new RecordingSink(true);
    private final Pipelines pipes = new Pipelines(sink, Map.of(
            "security.shared_key", "s3cret", "security.self_hostname", "receiver.test"));
    private final Pipelines withUsers = new Pipelines(sink, Map.of(
            "security.shared_key", "s3cret", "security.user_auth", "true",
            "security.users", "[{username: alice, password: wonder}]"));

    private record Helo(byte[] nonce, byte[] authSalt, boolean keepalive) {
    }

    private static Helo helo(EmbeddedChannel ch) {
        Value v = Msgpack.read(outbound(ch));
        List<Value> a = v.asArrayValue().list();
        assertThat(a.get(0).asStringValue().asString()).isEqualTo("HELO");
        Map<Value, Value> opts = a.get(1).asMapValue().map();
        return new Helo(get(opts, "nonce").asRawValue().asByteArray(), get(opts, "auth").asRawValue().asByteArray(),
                get(opts, "keepalive").asBooleanValue().getBoolean());
    }

    private static Value get(Map<Value, Value> m, String key) {
        return m.entrySet().stream().filter(e -> e.getKey().toString().equals(key)).findFirst().orElseThrow().getValue();
    }

    private static byte[] ping(Helo helo, String sharedKey, String user, String password) {
        byte[] salt = "client-salt-1234".getBytes(StandardCharsets.UTF_8);
        String digest = HandshakeHandler.sha512Hex(salt, b("client.host"), helo.nonce, b(sharedKey));
        String pass = user.isEmpty() ? "" : HandshakeHandler.sha512Hex(helo.authSalt, b(user), b(password));
        return pack(p -> p.packArrayHeader(6).packString("PING").packString("client.host")
                .packBinaryHeader(salt.length).writePayload(salt).packString(digest).packString(user).packString(pass));
    }

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] message() {
        return pack(p -> {
            p.packArrayHeader(4).packString("secure").packLong(1);
            Msgpack.writeRecord(p, Map.of("message", "authenticated"));
            p.packMapHeader(1).packString("chunk").packString("c1");
        });
    }

    @Test
    void correctSharedKeyGetsPongAndDataFlows() {
        EmbeddedChannel ch = pipes.open();
        Helo helo = helo(ch);
        assertThat(helo.nonce).hasSize(16);
        assertThat(helo.keepalive).isTrue();
        ch.writeInbound(buf(ping(helo, "s3cret", "", "")));
        List<Value> pong = Msgpack.read(outbound(ch)).asArrayValue().list();
        assertThat(pong.get(0).toString()).isEqualTo("PONG");
        assertThat(pong.get(1).asBooleanValue().getBoolean()).isTrue();
        assertThat(pong.get(3).toString()).isEqualTo("receiver.test");
        // The server proves it knows the key: sha512(client salt + server hostname + nonce + key).
        assertThat(pong.get(4).toString()).isEqualTo(HandshakeHandler.sha512Hex(b("client-salt-1234"),
                b("receiver.test"), helo.nonce, b("s3cret")));
        ch.writeInbound(buf(message()));
        assertThat(sink.chunks()).singleElement().satisfies(c -> assertThat(c.tag()).isEqualTo("secure"));
        assertThat(outbound(ch)).isEqualTo(pack(p -> p.packMapHeader(1).packString("ack").packString("c1")));
    }

    @Test
    void wrongSharedKeyIsRefusedWithReasonAndClosed() {
        EmbeddedChannel ch = pipes.open();
        ch.writeInbound(buf(ping(helo(ch), "wrong", "", "")));
        List<Value> pong = Msgpack.read(outbound(ch)).asArrayValue().list();
        assertThat(pong.get(1).asBooleanValue().getBoolean()).isFalse();
        assertThat(pong.get(2).toString()).isEqualTo("shared_key mismatch");
        assertThat(ch.isOpen()).isFalse();
        assertThat(pipes.counter("fluent_receiver_protocol_errors", "auth")).isEqualTo(1);
    }

    @Test
    void dataBeforePingIsRefused() {
        EmbeddedChannel ch = pipes.open();
        helo(ch);
        ch.writeInbound(buf(message()));
        assertThat(ch.isOpen()).isFalse();
        assertThat(sink.chunks()).isEmpty();
        assertThat(pipes.counter("fluent_receiver_protocol_errors", "handshake")).isEqualTo(1);
    }

    @Test
    void userAuthAcceptsTheRightPasswordOnly() {
        EmbeddedChannel ok = withUsers.open();
        ok.writeInbound(buf(ping(helo(ok), "s3cret", "alice", "wonder")));
        assertThat(Msgpack.read(outbound(ok)).asArrayValue().get(1).asBooleanValue().getBoolean()).isTrue();
        assertThat(ok.isOpen()).isTrue();

        EmbeddedChannel bad = withUsers.open();
        bad.writeInbound(buf(ping(helo(bad), "s3cret", "alice", "guess")));
        List<Value> pong = Msgpack.read(outbound(bad)).asArrayValue().list();
        assertThat(pong.get(1).asBooleanValue().getBoolean()).isFalse();
        assertThat(pong.get(2).toString()).isEqualTo("username/password mismatch");
        assertThat(bad.isOpen()).isFalse();
    }

    @Test
    void pingWithNilUsernameIsReadAsEmpty() {
        EmbeddedChannel ch = pipes.open();
        Helo helo = helo(ch);
        byte[] salt = b("s");
        String digest = HandshakeHandler.sha512Hex(salt, b("h"), helo.nonce, b("s3cret"));
        ch.writeInbound(buf(pack(p -> p.packArrayHeader(6).packString("PING").packString("h")
                .packString("s").packString(digest).packNil().packNil())));
        assertThat(Msgpack.read(outbound(ch)).asArrayValue().get(1).asBooleanValue().getBoolean()).isTrue();
    }
}
