package io.dls.launcher.tail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.msgpack.core.MessagePack;
import org.msgpack.core.MessageUnpacker;
import org.msgpack.value.ExtensionValue;
import org.msgpack.value.IntegerValue;
import org.msgpack.value.Value;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;

/**
 * msgpack to JSON for people: a record map of the raw topic (contract 1) becomes the JSON object it
 * stands for. Fluentd's EventTime (ext type 0: seconds and nanoseconds, big-endian) and msgpack's
 * timestamp (ext -1) become ISO-8601 instants; bin values that are UTF-8 text (some clients send strings
 * as bin) become strings, other bytes base64.
 */
public final class MsgpackJson {
    private static final JsonNodeFactory F = JsonNodeFactory.instance;

    private MsgpackJson() {
    }

    /** The value as JSON if the bytes are exactly one msgpack map, else empty. */
    public static Optional<JsonNode> map(byte[] bytes) {
        if (bytes == null || bytes.length == 0) {
            return Optional.empty();
        }
        try (MessageUnpacker u = MessagePack.newDefaultUnpacker(bytes)) {
            Value v = u.unpackValue();
            if (!v.isMapValue() || u.hasNext()) {
                return Optional.empty();
            }
            return Optional.of(json(v));
        } catch (IOException | RuntimeException e) {
            // msgpack-core throws unchecked exceptions for malformed input: not msgpack, then
            return Optional.empty();
        }
    }

    static JsonNode json(Value v) {
        switch (v.getValueType()) {
            case NIL:
                return F.nullNode();
            case BOOLEAN:
                return F.booleanNode(v.asBooleanValue().getBoolean());
            case INTEGER:
                IntegerValue i = v.asIntegerValue();
                return i.isInLongRange() ? F.numberNode(i.toLong()) : F.numberNode(i.toBigInteger());
            case FLOAT:
                return F.numberNode(v.asFloatValue().toDouble());
            case STRING:
            case BINARY:
                return bytes(v.asRawValue().asByteArray(), v.isStringValue());
            case ARRAY:
                ArrayNode a = F.arrayNode();
                v.asArrayValue().forEach(e -> a.add(json(e)));
                return a;
            case MAP:
                ObjectNode o = F.objectNode();
                for (Map.Entry<Value, Value> e : v.asMapValue().entrySet()) {
                    Value k = e.getKey();
                    o.set(k.isRawValue() ? text(k.asRawValue().asByteArray()) : k.toJson(), json(e.getValue()));
                }
                return o;
            case EXTENSION:
                return extension(v.asExtensionValue());
            default:
                return F.textNode(v.toJson());
        }
    }

    private static JsonNode extension(ExtensionValue ext) {
        byte[] d = ext.getData();
        if (ext.getType() == 0 && d.length == 8) {
            ByteBuffer b = ByteBuffer.wrap(d);
            return F.textNode(Instant.ofEpochSecond(Integer.toUnsignedLong(b.getInt()), Integer.toUnsignedLong(b.getInt())).toString());
        }
        if (ext.isTimestampValue()) {
            return F.textNode(ext.asTimestampValue().toInstant().toString());
        }
        ObjectNode o = F.objectNode();
        o.put("ext", ext.getType());
        o.put("base64", Base64.getEncoder().encodeToString(d));
        return o;
    }

    private static JsonNode bytes(byte[] b, boolean declaredString) {
        String s = utf8(b);
        if (s != null) {
            return F.textNode(s);
        }
        // A str with invalid UTF-8 is shown with replacement characters, a bin as base64.
        return declaredString ? F.textNode(new String(b, StandardCharsets.UTF_8)) : F.textNode("base64:" + Base64.getEncoder().encodeToString(b));
    }

    private static String text(byte[] b) {
        String s = utf8(b);
        return s != null ? s : new String(b, StandardCharsets.UTF_8);
    }

    /** The bytes as a string if they are valid UTF-8, else null. */
    static String utf8(byte[] b) {
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(b)).toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }
}
