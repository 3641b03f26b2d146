package io.dls.job.decode;

import org.msgpack.core.MessagePack;
import org.msgpack.core.MessageUnpacker;
import org.msgpack.value.ImmutableValue;
import org.msgpack.value.Value;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** msgpack record bytes to plain Java values (Map, List, String, Long, Double, Boolean, null). */
public final class Msgpack {
    private Msgpack() {
    }

    /** @throws IllegalArgumentException with the reason when the bytes are not exactly one msgpack map */
    public static Map<String, Object> decodeMap(byte[] bytes) {
        if (bytes == null || bytes.length == 0) {
            throw new IllegalArgumentException("empty value");
        }
        try (MessageUnpacker u = MessagePack.newDefaultUnpacker(bytes)) {
            ImmutableValue v = u.unpackValue();
            if (!v.isMapValue()) {
                throw new IllegalArgumentException("value is a msgpack " + v.getValueType() + ", not a map");
            }
            if (u.hasNext()) {
                throw new IllegalArgumentException("trailing bytes after the record map");
            }
            @SuppressWarnings("unchecked")
            Map<String, Object> map = (Map<String, Object>) toJava(v);
            return map;
        } catch (IOException | org.msgpack.core.MessagePackException e) {
            throw new IllegalArgumentException("not msgpack: " + e.getMessage(), e);
        }
    }

    static Object toJava(Value v) {
        switch (v.getValueType()) {
            case NIL:
                return null;
            case BOOLEAN:
                return v.asBooleanValue().getBoolean();
            case INTEGER:
                return v.asIntegerValue().isInLongRange() ? (Object) v.asIntegerValue().toLong()
                        : v.asIntegerValue().toBigInteger().toString();
            case FLOAT:
                return v.asFloatValue().toDouble();
            case STRING:
                return v.asStringValue().toString();
            case BINARY:
                // Agents send text as bin too (Fluentd's old msgpack); keep valid UTF-8 as text.
                byte[] b = v.asBinaryValue().asByteArray();
                String s = new String(b, java.nio.charset.StandardCharsets.UTF_8);
                return s.contains("\uFFFD") ? Base64.getEncoder().encodeToString(b) : s;
            case ARRAY: {
                List<Object> list = new ArrayList<>();
                for (Value e : v.asArrayValue()) {
                    list.add(toJava(e));
                }
                return list;
            }
            case MAP: {
                Map<String, Object> map = new LinkedHashMap<>();
                for (Map.Entry<Value, Value> e : v.asMapValue().entrySet()) {
                    Value k = e.getKey();
                    map.put(k.isStringValue() ? k.asStringValue().toString() : k.toString(), toJava(e.getValue()));
                }
                return map;
            }
            default:
                return v.toString();
        }
    }
}
