package io.dls.job.normalize;

import io.dls.job.decode.Msgpack;
import io.dls.job.patterns.Dispatched;
import io.dls.job.patterns.DispatchedSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSchemaCompatibility;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.junit.jupiter.api.Test;
import org.msgpack.core.MessageBufferPacker;
import org.msgpack.core.MessagePack;

import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The events' exchange form: every field and every value type the decoder makes come back as they went. */
class LogEventSerializerTest {

    private static <T> T roundTrip(TypeSerializer<T> s, T value) throws IOException {
        DataOutputSerializer out = new DataOutputSerializer(64);
        s.serialize(value, out);
        s.serialize(value, out); // two in a row: each read must stop at its own end
        DataInputDeserializer in = new DataInputDeserializer(out.getSharedBuffer(), 0, out.length());
        T first = s.deserialize(in);
        T second = s.deserialize(in);
        assertThat(in.available()).isZero();
        assertThat(second).usingRecursiveComparison().isEqualTo(first);
        return first;
    }

    static LogEvent full() {
        LogEvent e = new LogEvent();
        e.timestamp = "2026-12-02T04:31:00.123456789Z";
        e.epochMillis = 1_796_185_860_123L;
        e.message = "card declined for order ünïcødé ✓ 💳";
        e.level = "ERROR";
        e.service = "payment";
        e.host = "payment-2";
        e.eventId = "a1b2c3";
        e.kind = LogEvent.KIND_EVENT;
        e.dataset = "app.payment";
        e.type = "LOG";
        e.status = "DOWN";
        e.error = new LinkedHashMap<>(Map.of("message", "CardError"));
        Map<String, Object> nested = new LinkedHashMap<>();
        nested.put("z", 1L);
        nested.put("a", List.of(true, false, 2.5, "x"));
        nested.put("none", null);
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("order_id", 42L);
        fields.put("ratio", 0.25);
        fields.put("ok", true);
        fields.put("count", 7);
        fields.put("missing", null);
        fields.put("nested", nested);
        fields.put("list", new ArrayList<>(Arrays.asList("a", null, 3L)));
        fields.put("", "empty key");
        fields.put("big", new BigDecimal("1.5")); // no decoder makes one: Java serialization keeps it
        e.fields = fields;
        e.metadata = new LinkedHashMap<>(Map.of("trace_id", "t-1"));
        e.tags = new ArrayList<>(List.of("dls_time_fixed", "dls_level_fixed"));
        e.reason = "level was lowercase";
        return e;
    }

    @Test
    void everyFieldOfAnEventComesBack() throws Exception {
        LogEvent e = full();
        // A field added to LogEvent without a place in the serializer would be lost between operators.
        for (Field f : LogEvent.class.getFields()) {
            if (!Modifier.isStatic(f.getModifiers())) {
                assertThat(f.get(e)).as("the test sets %s", f.getName()).isNotNull();
            }
        }
        LogEvent back = roundTrip(LogEventSerializer.INSTANCE, e);
        assertThat(back).usingRecursiveComparison().isEqualTo(e);
        assertThat(back.fields).isInstanceOf(LinkedHashMap.class);
        assertThat(back.fields.keySet()).containsExactlyElementsOf(e.fields.keySet()); // order kept
        assertThat(back.fields.get("count")).isInstanceOf(Integer.class);
        assertThat(back.fields.get("order_id")).isInstanceOf(Long.class);
    }

    @Test
    void whatTheDecoderMakesOfEveryMsgpackTypeComesBack() throws Exception {
        MessageBufferPacker p = MessagePack.newDefaultBufferPacker();
        p.packMapHeader(12);
        p.packString("message").packString("disk full");
        p.packString("log_level").packString("error");
        p.packString("node_id").packString("db-1");
        p.packString("nil").packNil();
        p.packString("yes").packBoolean(true);
        p.packString("int").packLong(-5);
        p.packString("uint64").packBigInteger(new BigInteger("18446744073709551615"));
        p.packString("float").packDouble(1.5);
        p.packString("bin").packBinaryHeader(3).writePayload(new byte[]{1, 2, (byte) 0xff});
        p.packString("array").packArrayHeader(2).packString("a").packLong(1);
        p.packString("map").packMapHeader(1).packString("k").packArrayHeader(0);
        p.packString("ext").packExtensionTypeHeader((byte) 1, 2).writePayload(new byte[]{7, 8});
        Map<String, Object> record = Msgpack.decodeMap(p.toByteArray()).record();
        LogEvent e = new Normalizer(AliasConfig.defaults()).normalize("app.db", 1_700_000_000L, 5, record, "id-9");
        assertThat(e.fields).containsKeys("uint64", "bin", "array", "map", "ext", "nil");
        assertThat(roundTrip(LogEventSerializer.INSTANCE, e)).usingRecursiveComparison().isEqualTo(e);
    }

    @Test
    void anEventWithNothingButDefaultsComesBack() throws Exception {
        LogEvent e = new LogEvent();
        assertThat(roundTrip(LogEventSerializer.INSTANCE, e)).usingRecursiveComparison().isEqualTo(e);
    }

    @Test
    void textLongerThanWriteUtfTakes() throws Exception {
        LogEvent e = new LogEvent();
        e.message = "é".repeat(70_000); // 140,000 UTF-8 bytes: past writeUTF's 64 KiB
        assertThat(roundTrip(LogEventSerializer.INSTANCE, e).message).isEqualTo(e.message);
    }

    @Test
    void copyIsDeep() {
        LogEvent e = full();
        LogEvent c = LogEventSerializer.INSTANCE.copy(e);
        assertThat(c).usingRecursiveComparison().isEqualTo(e);
        @SuppressWarnings("unchecked")
        Map<String, Object> nested = (Map<String, Object>) c.fields.get("nested");
        nested.put("added", 1L);
        c.tags.add("more");
        assertThat(((Map<?, ?>) e.fields.get("nested")).containsKey("added")).isFalse();
        assertThat(e.tags).hasSize(2);
    }

    @Test
    void aValueNeitherDecodedNorSerializableIsRefusedWithItsType() {
        LogEvent e = new LogEvent();
        e.fields = new LinkedHashMap<>(Map.of("thread", new Object()));
        assertThatThrownBy(() -> LogEventSerializer.INSTANCE.serialize(e, new DataOutputSerializer(64)))
                .isInstanceOf(IOException.class).hasMessageContaining("java.lang.Object");
    }

    @Test
    void dispatchedCarriesKeyPatternsAndEvent() throws Exception {
        Dispatched d = new Dispatched(Dispatched.key("service.name", "payment"), new int[]{0, 3, 4}, full());
        Dispatched back = roundTrip(DispatchedSerializer.INSTANCE, d);
        assertThat(back).usingRecursiveComparison().isEqualTo(d);
        Dispatched copy = DispatchedSerializer.INSTANCE.copy(d);
        assertThat(copy).usingRecursiveComparison().isEqualTo(d);
        assertThat(copy.patterns).isNotSameAs(d.patterns);
        assertThat(copy.event).isNotSameAs(d.event);
    }

    @Test
    void snapshotsRestoreTheSameSerializer() throws Exception {
        for (TypeSerializer<?> s : List.of(LogEventSerializer.INSTANCE, DispatchedSerializer.INSTANCE)) {
            assertSnapshotRestores(s);
        }
    }

    private static <T> void assertSnapshotRestores(TypeSerializer<T> s) throws IOException {
        TypeSerializerSnapshot<T> snap = s.snapshotConfiguration();
        DataOutputSerializer out = new DataOutputSerializer(16);
        TypeSerializerSnapshot.writeVersionedSnapshot(out, snap);
        TypeSerializerSnapshot<T> read = TypeSerializerSnapshot.readVersionedSnapshot(
                new DataInputDeserializer(out.getCopyOfBuffer()), s.getClass().getClassLoader());
        assertThat(read.restoreSerializer()).isSameAs(s);
        TypeSerializerSchemaCompatibility<T> compat = s.snapshotConfiguration().resolveSchemaCompatibility(read);
        assertThat(compat.isCompatibleAsIs()).isTrue();
    }
}
