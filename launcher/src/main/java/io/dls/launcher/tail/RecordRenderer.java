package io.dls.launcher.tail;

import io.dls.contracts.FluentHeaders;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;

import java.io.IOException;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Optional;

/**
 * One Kafka record as one line. JSON values (the job's topics): {@code partition/offset key json}. msgpack
 * values (the raw topic, contract 1): {@code partition/offset tag record-time headers json}, with
 * {@code fluent.time} decoded to an instant with its nanoseconds. Anything else is shown as text or hex,
 * so a tail never stops on a strange record.
 */
public final class RecordRenderer {
    /** Contract 1's header names, as the receiver writes them. */
    static final String HEADER_TIME = FluentHeaders.TIME;

    private static final int MAX_SHOWN_BYTES = 512;

    private final ObjectMapper mapper = new ObjectMapper();

    public String render(ConsumerRecord<byte[], byte[]> r) {
        String prefix = r.partition() + "/" + r.offset() + " " + key(r.key());
        Optional<JsonNode> json = json(r.value());
        if (json.isPresent()) {
            return prefix + " " + json.get();
        }
        Optional<JsonNode> msgpack = MsgpackJson.map(r.value());
        if (msgpack.isPresent()) {
            return prefix + " " + Instant.ofEpochMilli(r.timestamp()) + headers(r) + " " + msgpack.get();
        }
        return prefix + headers(r) + " " + other(r.value());
    }

    private static String key(byte[] key) {
        if (key == null) {
            return "-";
        }
        String s = MsgpackJson.utf8(key);
        return s != null ? s : "0x" + HexFormat.of().formatHex(key);
    }

    /** Present only for a value that is one complete JSON document. */
    private Optional<JsonNode> json(byte[] value) {
        if (value == null || value.length == 0) {
            return Optional.empty();
        }
        try (JsonParser p = mapper.getFactory().createParser(value)) {
            JsonNode n = mapper.readTree(p);
            if (n == null || p.nextToken() != null) {
                return Optional.empty();
            }
            return Optional.of(n);
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    private static String headers(ConsumerRecord<byte[], byte[]> r) {
        StringBuilder b = new StringBuilder();
        for (Header h : r.headers()) {
            b.append(b.length() == 0 ? " [" : " ").append(h.key()).append('=').append(header(h));
        }
        return b.length() == 0 ? "" : b.append(']').toString();
    }

    static String header(Header h) {
        byte[] v = h.value();
        if (v == null) {
            return "null";
        }
        if (HEADER_TIME.equals(h.key()) && v.length == 8) {
            try {
                FluentHeaders.Time t = FluentHeaders.time(v);
                return Instant.ofEpochSecond(t.seconds(), t.nanos()).toString();
            } catch (IllegalArgumentException malformed) {
                return "0x" + HexFormat.of().formatHex(v);
            }
        }
        String s = MsgpackJson.utf8(v);
        return s != null && printable(s) ? s : "0x" + HexFormat.of().formatHex(v);
    }

    private static String other(byte[] value) {
        if (value == null) {
            return "(null value)";
        }
        String s = MsgpackJson.utf8(value);
        if (s != null && printable(s.replace("\n", "").replace("\r", ""))) {
            return "(text) " + s.replace("\r", "\\r").replace("\n", "\\n");
        }
        int n = Math.min(value.length, MAX_SHOWN_BYTES);
        return "(" + value.length + " bytes, neither JSON nor a msgpack map) 0x" + HexFormat.of().formatHex(value, 0, n)
                + (n < value.length ? "..." : "");
    }

    private static boolean printable(String s) {
        return s.codePoints().noneMatch(c -> Character.isISOControl(c) && c != '\t');
    }
}
