package io.dls.job.bench;

import io.dls.job.decode.Msgpack;
import io.dls.job.normalize.AliasConfig;
import io.dls.job.normalize.EventIds;
import io.dls.job.normalize.LogEvent;
import io.dls.job.normalize.Normalizer;
import io.dls.job.patterns.Dispatched;
import io.dls.job.patterns.DispatchedSerializer;
import org.apache.flink.api.common.ExecutionConfig;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

import java.io.IOException;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * JMH (bench/exchange.sh): an event on the keyed exchange to the pattern operator, written and read back, with the
 * job's serializer ({@code dls}: {@link DispatchedSerializer}) and with what Flink derives for the type
 * ({@code flink-pojo}: its POJO serializer, Kryo for the event's maps), which the job used before. The events are
 * the pipeline bench's records (mixed levels, 1 in 12 a heartbeat), decoded and normalized as the job does.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class ExchangeBench {

    @Param({"dls", "flink-pojo"})
    public String serializer;

    private TypeSerializer<Dispatched> s;
    private Dispatched[] events;
    private final DataOutputSerializer out = new DataOutputSerializer(1024);
    private final DataInputDeserializer in = new DataInputDeserializer();
    private int next;

    @Setup
    public void setup() throws Exception {
        s = serializer.equals("dls") ? DispatchedSerializer.INSTANCE
                : TypeInformation.of(Dispatched.class).createSerializer(new ExecutionConfig().getSerializerConfig());
        Normalizer normalizer = new Normalizer(AliasConfig.defaults());
        Random r = new Random(1);
        events = new Dispatched[4096];
        for (int i = 0; i < events.length; i++) {
            Msgpack.Decoded d = Msgpack.decodeMap(JobBench.msgpack(JobBench.record(r, i)));
            LogEvent e = normalizer.normalize("app.bench", 1_700_000_000L + i, 0, d.record(),
                    EventIds.of("app.bench", null, "logs.raw", 0, i));
            events[i] = new Dispatched(Dispatched.key("service.name", e.service), new int[]{0, 2}, e);
        }
    }

    /** One event written as the sending task does and read back as the pattern operator's task does. */
    @Benchmark
    public Dispatched roundTrip() throws IOException {
        Dispatched d = events[next];
        next = (next + 1) & (events.length - 1);
        out.clear();
        s.serialize(d, out);
        in.setBuffer(out.getSharedBuffer(), 0, out.length());
        return s.deserialize(in);
    }
}
