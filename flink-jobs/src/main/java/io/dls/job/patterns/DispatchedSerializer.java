package io.dls.job.patterns;

import io.dls.job.normalize.ExchangeSerializer;
import io.dls.job.normalize.LogEventSerializer;
import io.dls.job.normalize.SerializerTypeInfo;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.SimpleTypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;
import org.apache.flink.types.StringValue;

import java.io.IOException;

/**
 * {@link Dispatched} on the keyed exchange to the pattern operator: key, pattern positions and the event in
 * {@link LogEventSerializer}'s form. Never kept in state (the operator keeps the event alone).
 */
public final class DispatchedSerializer extends ExchangeSerializer<Dispatched> {

    public static final DispatchedSerializer INSTANCE = new DispatchedSerializer();
    public static final TypeInformation<Dispatched> TYPE = new SerializerTypeInfo<>(Dispatched.class, INSTANCE);

    private DispatchedSerializer() {
    }

    @Override
    public Dispatched createInstance() {
        return new Dispatched();
    }

    @Override
    public Dispatched copy(Dispatched from) {
        return new Dispatched(from.key, from.patterns.clone(), LogEventSerializer.INSTANCE.copy(from.event));
    }

    @Override
    public void serialize(Dispatched d, DataOutputView out) throws IOException {
        StringValue.writeString(d.key, out);
        out.writeInt(d.patterns.length);
        for (int p : d.patterns) {
            out.writeInt(p);
        }
        LogEventSerializer.INSTANCE.serialize(d.event, out);
    }

    @Override
    public Dispatched deserialize(DataInputView in) throws IOException {
        String key = StringValue.readString(in);
        int[] patterns = new int[in.readInt()];
        for (int i = 0; i < patterns.length; i++) {
            patterns[i] = in.readInt();
        }
        return new Dispatched(key, patterns, LogEventSerializer.INSTANCE.deserialize(in));
    }

    @Override
    public TypeSerializerSnapshot<Dispatched> snapshotConfiguration() {
        return new Snapshot();
    }

    /** What Flink writes of this serializer where it keeps one (it has no settings). */
    public static final class Snapshot extends SimpleTypeSerializerSnapshot<Dispatched> {
        public Snapshot() {
            super(() -> INSTANCE);
        }
    }
}
