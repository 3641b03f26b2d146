package io.dls.receiver.codec;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.msgpack.core.MessageBufferPacker;
import org.msgpack.core.MessagePack;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Fluentd's JSON framing: {@code ["tag", time, {record}, {option}]} or {@code ["tag", [[time, {record}]...]]}.
 * Records are re-encoded to msgpack, the one case where the receiver does not pass the client's bytes on;
 * the ack is answered in JSON, as the client speaks it.
 */
final class JsonChunkDecoder {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    Chunk decode(byte[] bytes) {
        JsonNode root;
        try {
            root = MAPPER.readTree(bytes);
        } catch (IOException e) {
            throw new ProtocolException("bad_json", "malformed JSON frame: " + e.getMessage());
        }
        if (root == null || !root.isArray() || root.size() < 2 || root.size() > 4) {
            throw new ProtocolException("bad_message", "JSON forward message must be an array of 2 to 4 elements");
        }
        if (!root.get(0).isTextual()) {
            throw new ProtocolException("bad_tag", "tag must be a string");
        }
        String tag = root.get(0).asText();
        JsonNode second = root.get(1);
        Map<String, Integer> invalid = new HashMap<>(2);
        List<Event> events = new ArrayList<>();
        JsonNode option;
        if (second.isArray()) {
            for (JsonNode entry : second) {
                if (!entry.isArray() || entry.size() < 2) {
                    invalid.merge("bad_entry", 1, Integer::sum);
                    continue;
                }
                addEvent(entry.get(0), entry.get(1), events, invalid);
            }
            option = root.get(2);
        } else if (second.isTextual()) {
            throw new ProtocolException("bad_message", "PackedForward entries cannot be carried in JSON");
        } else {
            if (root.size() < 3) {
                throw new ProtocolException("bad_message", "Message mode needs [tag, time, record]");
            }
            addEvent(second, root.get(2), events, invalid);
            option = root.get(3);
        }
        byte[] chunkId = null;
        byte[] ack = null;
        if (option != null && option.isObject() && option.get("chunk") != null && option.get("chunk").isTextual()) {
            String chunk = option.get("chunk").asText();
            chunkId = chunk.getBytes(StandardCharsets.UTF_8);
            ObjectNode reply = MAPPER.createObjectNode().put("ack", chunk);
            try {
                ack = MAPPER.writeValueAsBytes(reply);
            } catch (JsonProcessingException e) {
                throw new IllegalStateException(e);
            }
        }
        if (tag.isEmpty() && !events.isEmpty()) {
            invalid.merge("empty_tag", events.size(), Integer::sum);
            events = List.of();
        }
        return new Chunk(tag, events, chunkId, ack, invalid);
    }

    private static void addEvent(JsonNode time, JsonNode record, List<Event> events, Map<String, Integer> invalid) {
        if (record == null || record.isNull()) {
            invalid.merge("nil_record", 1, Integer::sum);
            return;
        }
        if (!record.isObject()) {
            invalid.merge("record_not_map", 1, Integer::sum);
            return;
        }
        byte[] packed = pack(record);
        if (time == null || time.isNull() || (time.isIntegralNumber() && time.asLong() == 0)) {
            events.add(Event.now(packed, null, 0));
        } else if (time.isIntegralNumber()) {
            events.add(new Event(time.asLong(), 0, false, packed));
        } else if (time.isFloatingPointNumber()) {
            double d = time.asDouble();
            long s = (long) Math.floor(d);
            events.add(new Event(s, (int) Math.min(999_999_999, Math.round((d - s) * 1e9)), true, packed));
        } else {
            invalid.merge("bad_time", 1, Integer::sum);
        }
    }

    static byte[] pack(JsonNode node) {
        try (MessageBufferPacker p = MessagePack.newDefaultBufferPacker()) {
            write(p, node);
            return p.toByteArray();
        } catch (IOException e) {
            throw new IllegalStateException("msgpack encoding to memory failed", e);
        }
    }

    private static void write(MessageBufferPacker p, JsonNode n) throws IOException {
        switch (n.getNodeType()) {
            case OBJECT -> {
                p.packMapHeader(n.size());
                for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext(); ) {
                    Map.Entry<String, JsonNode> e = it.next();
                    p.packString(e.getKey());
                    write(p, e.getValue());
                }
            }
            case ARRAY -> {
                p.packArrayHeader(n.size());
                for (JsonNode c : n) {
                    write(p, c);
                }
            }
            case STRING -> p.packString(n.asText());
            case BOOLEAN -> p.packBoolean(n.asBoolean());
            case NUMBER -> {
                if (n.isIntegralNumber() && n.canConvertToLong()) {
                    p.packLong(n.asLong());
                } else if (n.isBigInteger()) {
                    p.packBigInteger(n.bigIntegerValue());
                } else {
                    p.packDouble(n.asDouble());
                }
            }
            default -> p.packNil();
        }
    }
}
