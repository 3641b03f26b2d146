package io.dls.job.support;

import io.dls.testing.TestKafka;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import io.dls.contracts.FluentHeaders;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.msgpack.core.MessageBufferPacker;
import org.msgpack.core.MessagePack;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/** Writes contract-1 records (as the receiver does) into a raw topic of the test broker. */
public final class RawProducer implements AutoCloseable {
    private final KafkaProducer<byte[], byte[]> producer;
    private final String topic;
    private int chunkIndex;

    public RawProducer(String topic) {
        this(TestKafka.bootstrap(), topic);
    }

    /** To another broker, e.g. a KafkaProcess's PLAINTEXT listener. */
    public RawProducer(String bootstrap, String topic) {
        // One request in flight: on a loaded test machine a produce request can outlive its timeout, and a
        // retried first batch behind later ones was refused as out of order (seen once in RecoveryTest).
        this.producer = new KafkaProducer<>(Map.of("bootstrap.servers", bootstrap, "acks", "all",
                "max.in.flight.requests.per.connection", "1", "linger.ms", "5"),
                new ByteArraySerializer(), new ByteArraySerializer());
        this.topic = topic;
    }

    public static byte[] msgpack(Map<String, ?> record) {
        try (MessageBufferPacker p = MessagePack.newDefaultBufferPacker()) {
            p.packMapHeader(record.size());
            for (Map.Entry<String, ?> e : record.entrySet()) {
                p.packString(e.getKey());
                if (e.getValue() instanceof Number n) {
                    p.packLong(n.longValue());
                } else {
                    p.packString(String.valueOf(e.getValue()));
                }
            }
            return p.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A record as the receiver writes it for an acked chunk: fluent.chunk and fluent.time headers. */
    public void send(String tag, long epochMillis, Map<String, ?> record) {
        sendBytes(tag, epochMillis, msgpack(record));
    }

    public void sendBytes(String tag, long epochMillis, byte[] value) {
        sendBytes(tag, epochMillis, value, null);
    }

    /** @param metadata a fluent.metadata header (Fluent Bit's metadata map as msgpack), or null */
    public void sendBytes(String tag, long epochMillis, byte[] value, byte[] metadata) {
        long s = epochMillis / 1000;
        int ns = (int) (epochMillis % 1000) * 1_000_000 + 1;
        byte[] chunk = FluentHeaders.chunk(FluentHeaders.chunkPrefix("test-chunk".getBytes(StandardCharsets.UTF_8)),
                chunkIndex++);
        List<org.apache.kafka.common.header.Header> headers = new java.util.ArrayList<>(List.of(
                new RecordHeader(FluentHeaders.TIME, FluentHeaders.time(s, ns)), new RecordHeader(FluentHeaders.CHUNK, chunk)));
        if (metadata != null) {
            headers.add(new RecordHeader(FluentHeaders.METADATA, metadata));
        }
        producer.send(new ProducerRecord<>(topic, null, epochMillis, tag.getBytes(StandardCharsets.UTF_8), value,
                headers));
    }

    public void flush() {
        producer.flush();
    }

    @Override
    public void close() {
        producer.close();
    }
}
