package io.dls.job.route;

import io.dls.job.decode.Msgpack;
import io.dls.job.normalize.AliasConfig;
import io.dls.job.normalize.LogEvent;
import io.dls.job.normalize.Normalizer;
import io.dls.job.normalize.Note;
import org.junit.jupiter.api.Test;
import org.msgpack.core.MessageBufferPacker;
import org.msgpack.core.MessagePack;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/** The event's JSON written straight from the event is the JSON of its document map, byte for byte. */
class JsonTest {
    private final Normalizer normalizer = new Normalizer(AliasConfig.defaults());

    private static Map<String, Object> rec(Object... kv) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put((String) kv[i], kv[i + 1]);
        }
        return m;
    }

    private void same(LogEvent e) {
        byte[] direct = Json.bytes(e);
        byte[] viaMap = Json.bytes(e.toDocument());
        assertThat(new String(direct, StandardCharsets.UTF_8)).isEqualTo(new String(viaMap, StandardCharsets.UTF_8));
        assertThat(direct).isEqualTo(viaMap);
    }

    @Test
    void everyShapeOfEvent() {
        List<Map<String, Object>> records = List.of(
                rec("log_level", "ERROR", "service_name", "payment", "node_id", "payment-2", "message_type", "LOG",
                        "message", "card \"declined\"\n\ttab é 中 \uD83D\uDE00", "error_details", "CardError: x\n at y",
                        "order_id", 42L, "ratio", 0.25, "ok", true, "none", null),
                rec("message_type", "HEARTBEAT", "node_id", "n1", "status", "DOWN"),
                rec("level", Map.of("deep", 1L), "log", rec("level", "warn", "logger", "x"),
                        "kubernetes", rec("labels", rec("app", "shop"), "pod_name", "p-1"),
                        "list", Arrays.asList(1L, "two", null, List.of(3.5, false), rec("k", "v")),
                        "huge", new BigInteger("123456789012345678901234567890").toString(),
                        "nan", Double.NaN, "neg", -0.0, "exp", 1e300),
                rec(),
                rec("message", 12L, "severity", 3L, "error", rec("message", "boom", "type", "IOError")));
        for (Map<String, Object> r : records) {
            LogEvent e = normalizer.normalize("app.tag", 1_700_000_000L, 123_456_789, r, "id-1");
            same(e);
            e.note(new Note(Note.TRUNCATED, "a note with \"quotes\""));
            same(e);
        }
    }

    @Test
    void decodedRandomRecords() throws Exception {
        Random random = new Random(7);
        for (int i = 0; i < 300; i++) {
            try (MessageBufferPacker p = MessagePack.newDefaultBufferPacker()) {
                int n = 1 + random.nextInt(8);
                p.packMapHeader(n);
                for (int k = 0; k < n; k++) {
                    p.packString(List.of("message", "log_level", "service_name", "node_id", "k" + k, "a.b").get(random.nextInt(6)) + k);
                    packRandom(p, random, 3);
                }
                LogEvent e = normalizer.normalize("t", 1L, 0, Msgpack.decodeMap(p.toByteArray()).record(), "id");
                same(e);
            }
        }
    }

    private static void packRandom(MessageBufferPacker p, Random r, int depth) throws Exception {
        switch (r.nextInt(depth > 0 ? 9 : 7)) {
            case 0 -> p.packNil();
            case 1 -> p.packBoolean(r.nextBoolean());
            case 2 -> p.packLong(r.nextLong());
            case 3 -> p.packDouble(r.nextGaussian() * 1e6);
            case 4 -> p.packString("s" + r.nextInt() + "\u00e9\"\\");
            case 5 -> p.packBigInteger(BigInteger.ONE.shiftLeft(64).subtract(BigInteger.ONE));
            case 6 -> p.packFloat(r.nextFloat());
            case 7 -> {
                int n = r.nextInt(4);
                p.packArrayHeader(n);
                for (int i = 0; i < n; i++) {
                    packRandom(p, r, depth - 1);
                }
            }
            default -> {
                int n = r.nextInt(4);
                List<String> keys = new ArrayList<>();
                p.packMapHeader(n);
                for (int i = 0; i < n; i++) {
                    keys.add("m" + i);
                    p.packString(keys.get(i));
                    packRandom(p, r, depth - 1);
                }
            }
        }
    }
}
