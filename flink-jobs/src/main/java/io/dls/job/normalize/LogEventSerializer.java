package io.dls.job.normalize;

import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.SimpleTypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;
import org.apache.flink.types.StringValue;

import java.io.IOException;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The events' form between operators (keyed exchanges): their fields in order, and their maps as tagged values of
 * the types the decoder makes. Flink's own serializer for {@link LogEvent} is a POJO serializer that hands the maps
 * to Kryo, which writes a class name per value and reads it back several times slower than this.
 *
 * <p>For exchanges only: the pattern operator keeps its events in state with Flink's POJO serializer
 * ({@code TypeInformation.of(LogEvent.class)}), so savepoints taken before this serializer existed restore.
 */
public final class LogEventSerializer extends ExchangeSerializer<LogEvent> {

    public static final LogEventSerializer INSTANCE = new LogEventSerializer();
    /** The type to give a stream of events that crosses an exchange. */
    public static final TypeInformation<LogEvent> TYPE = new SerializerTypeInfo<>(LogEvent.class, INSTANCE);

    private static final byte NULL = 0;
    private static final byte STRING = 1;
    private static final byte LONG = 2;
    private static final byte DOUBLE = 3;
    private static final byte TRUE = 4;
    private static final byte FALSE = 5;
    private static final byte LIST = 6;
    private static final byte MAP = 7;
    private static final byte INT = 8;
    /** Any other Serializable value (none the decoder makes): Java serialization, slow but lossless. */
    private static final byte JAVA = 9;

    private LogEventSerializer() {
    }

    @Override
    public LogEvent createInstance() {
        return new LogEvent();
    }

    @Override
    public LogEvent copy(LogEvent from) {
        LogEvent e = new LogEvent();
        e.timestamp = from.timestamp;
        e.epochMillis = from.epochMillis;
        e.message = from.message;
        e.level = from.level;
        e.service = from.service;
        e.host = from.host;
        e.eventId = from.eventId;
        e.kind = from.kind;
        e.dataset = from.dataset;
        e.type = from.type;
        e.status = from.status;
        e.error = copyMap(from.error);
        e.fields = copyMap(from.fields);
        e.metadata = copyMap(from.metadata);
        e.tags = from.tags == null ? null : new ArrayList<>(from.tags);
        e.reason = from.reason;
        return e;
    }

    @Override
    public void serialize(LogEvent e, DataOutputView out) throws IOException {
        // Strings as Flink's StringValue writes them: null and any length (writeUTF stops at 64 KiB).
        StringValue.writeString(e.timestamp, out);
        out.writeLong(e.epochMillis);
        StringValue.writeString(e.message, out);
        StringValue.writeString(e.level, out);
        StringValue.writeString(e.service, out);
        StringValue.writeString(e.host, out);
        StringValue.writeString(e.eventId, out);
        StringValue.writeString(e.kind, out);
        StringValue.writeString(e.dataset, out);
        StringValue.writeString(e.type, out);
        StringValue.writeString(e.status, out);
        writeValue(e.error, out);
        writeValue(e.fields, out);
        writeValue(e.metadata, out);
        writeValue(e.tags, out);
        StringValue.writeString(e.reason, out);
    }

    @Override
    @SuppressWarnings("unchecked")
    public LogEvent deserialize(DataInputView in) throws IOException {
        LogEvent e = new LogEvent();
        e.timestamp = StringValue.readString(in);
        e.epochMillis = in.readLong();
        e.message = StringValue.readString(in);
        e.level = StringValue.readString(in);
        e.service = StringValue.readString(in);
        e.host = StringValue.readString(in);
        e.eventId = StringValue.readString(in);
        e.kind = StringValue.readString(in);
        e.dataset = StringValue.readString(in);
        e.type = StringValue.readString(in);
        e.status = StringValue.readString(in);
        e.error = (Map<String, Object>) readValue(in);
        e.fields = (Map<String, Object>) readValue(in);
        e.metadata = (Map<String, Object>) readValue(in);
        e.tags = (List<String>) readValue(in);
        e.reason = StringValue.readString(in);
        return e;
    }

    @Override
    public TypeSerializerSnapshot<LogEvent> snapshotConfiguration() {
        return new Snapshot();
    }

    /** What Flink writes of this serializer where it keeps one (it has no settings). */
    public static final class Snapshot extends SimpleTypeSerializerSnapshot<LogEvent> {
        public Snapshot() {
            super(() -> INSTANCE);
        }
    }

    private static void writeValue(Object v, DataOutputView out) throws IOException {
        if (v == null) {
            out.writeByte(NULL);
        } else if (v instanceof String s) {
            out.writeByte(STRING);
            StringValue.writeString(s, out);
        } else if (v instanceof Long l) {
            out.writeByte(LONG);
            out.writeLong(l);
        } else if (v instanceof Double d) {
            out.writeByte(DOUBLE);
            out.writeDouble(d);
        } else if (v instanceof Boolean b) {
            out.writeByte(b ? TRUE : FALSE);
        } else if (v instanceof Integer i) {
            out.writeByte(INT);
            out.writeInt(i);
        } else if (v instanceof Map<?, ?> m) {
            out.writeByte(MAP);
            out.writeInt(m.size());
            for (Map.Entry<?, ?> en : m.entrySet()) {
                StringValue.writeString((String) en.getKey(), out);
                writeValue(en.getValue(), out);
            }
        } else if (v instanceof List<?> list) {
            out.writeByte(LIST);
            out.writeInt(list.size());
            for (Object o : list) {
                writeValue(o, out);
            }
        } else if (v instanceof Serializable s) {
            out.writeByte(JAVA);
            byte[] b = org.apache.flink.util.InstantiationUtil.serializeObject(s);
            out.writeInt(b.length);
            out.write(b);
        } else {
            throw new IOException("an event holds a " + v.getClass().getName()
                    + ", which is not a value the decoder makes nor Serializable");
        }
    }

    private static Object readValue(DataInputView in) throws IOException {
        byte tag = in.readByte();
        switch (tag) {
            case NULL: return null;
            case STRING: return StringValue.readString(in);
            case LONG: return in.readLong();
            case DOUBLE: return in.readDouble();
            case TRUE: return Boolean.TRUE;
            case FALSE: return Boolean.FALSE;
            case INT: return in.readInt();
            case MAP: {
                int n = in.readInt();
                Map<String, Object> m = new LinkedHashMap<>(capacity(n));
                for (int i = 0; i < n; i++) {
                    m.put(StringValue.readString(in), readValue(in));
                }
                return m;
            }
            case LIST: {
                int n = in.readInt();
                List<Object> list = new ArrayList<>(n);
                for (int i = 0; i < n; i++) {
                    list.add(readValue(in));
                }
                return list;
            }
            case JAVA: {
                byte[] b = new byte[in.readInt()];
                in.readFully(b);
                try {
                    return org.apache.flink.util.InstantiationUtil.deserializeObject(b,
                            Thread.currentThread().getContextClassLoader());
                } catch (ClassNotFoundException e) {
                    throw new IOException(e);
                }
            }
            default:
                throw new IOException("not an event value: tag " + tag);
        }
    }

    /** A LinkedHashMap's initial capacity for n entries without a resize (its load factor is 0.75). */
    private static int capacity(int n) {
        return (int) (n / 0.75f) + 1;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> copyMap(Map<String, Object> m) {
        return m == null ? null : (Map<String, Object>) copyValue(m);
    }

    private static Object copyValue(Object v) {
        if (v instanceof Map<?, ?> m) {
            Map<String, Object> c = new LinkedHashMap<>(capacity(m.size()));
            m.forEach((k, x) -> c.put((String) k, copyValue(x)));
            return c;
        }
        if (v instanceof List<?> list) {
            List<Object> c = new ArrayList<>(list.size());
            list.forEach(x -> c.add(copyValue(x)));
            return c;
        }
        return v; // strings, numbers and booleans are immutable
    }
}
