package io.dls.receiver.support;

import io.dls.receiver.config.ConfigLoader;
import io.dls.receiver.config.ReceiverConfig;
import io.dls.receiver.ops.ReceiverMetrics;
import io.dls.receiver.server.ForwardPipeline;
import io.dls.receiver.sink.EventSink;
import io.dls.receiver.sink.InFlightGate;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.util.concurrent.GlobalEventExecutor;

import java.util.Map;

/** The receiver's real connection pipeline on an EmbeddedChannel. */
public final class Pipelines {
    public final ReceiverConfig config;
    public final ReceiverMetrics metrics = new ReceiverMetrics();
    public final InFlightGate gate;
    public final EventSink sink;

    public Pipelines(EventSink sink, Map<String, String> settings) {
        this.config = new ConfigLoader().load(null, Map.of(), settings);
        this.gate = new InFlightGate(config.maxBytesInFlight().bytes());
        this.sink = sink;
    }

    public EmbeddedChannel open() {
        return new EmbeddedChannel(new ForwardPipeline(config, sink, gate, metrics,
                new DefaultChannelGroup(GlobalEventExecutor.INSTANCE), null, "receiver.test"));
    }

    public static ByteBuf buf(byte[] bytes) {
        return Unpooled.wrappedBuffer(bytes);
    }

    /** Everything the server wrote back, concatenated. */
    public static byte[] outbound(EmbeddedChannel ch) {
        ByteBuf all = Unpooled.buffer();
        Object o;
        while ((o = ch.readOutbound()) != null) {
            ByteBuf b = (ByteBuf) o;
            all.writeBytes(b);
            b.release();
        }
        byte[] out = new byte[all.readableBytes()];
        all.readBytes(out);
        return out;
    }

    public double counter(String name, String label) {
        var snapshots = metrics.registry().scrape();
        for (var s : snapshots) {
            if (s.getMetadata().getName().equals(name)) {
                for (var d : s.getDataPoints()) {
                    boolean match = label == null || d.getLabels().toString().contains(label);
                    if (match && d instanceof io.prometheus.metrics.model.snapshots.CounterSnapshot.CounterDataPointSnapshot c) {
                        return c.getValue();
                    }
                }
            }
        }
        return 0;
    }
}
