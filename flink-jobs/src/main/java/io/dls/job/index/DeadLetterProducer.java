package io.dls.job.index;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * The dead-letter topic, written from inside the Elasticsearch writer: a bulk is acknowledged to the sink only
 * after its dead letters are in Kafka, so a restart never loses one (it may write one twice).
 */
final class DeadLetterProducer implements BulkSender.DeadLetters, AutoCloseable {
    private final KafkaProducer<byte[], byte[]> producer;
    private final String topic;

    DeadLetterProducer(Map<String, String> kafka, String topic) {
        Map<String, Object> p = new HashMap<>(kafka);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        p.putIfAbsent(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "60000");
        p.putIfAbsent(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
        p.putIfAbsent(ProducerConfig.CLIENT_ID_CONFIG, "dls-index-dead-letters");
        this.producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
        this.topic = topic;
    }

    @Override
    public void write(List<DeadLetter> letters) throws Exception {
        long now = System.currentTimeMillis();
        List<Future<?>> sent = new ArrayList<>();
        for (DeadLetter d : letters) {
            sent.add(producer.send(new ProducerRecord<>(topic, null, now,
                    d.key() == null ? null : d.key().getBytes(StandardCharsets.UTF_8), d.json(now))));
        }
        for (Future<?> f : sent) {
            f.get(2, TimeUnit.MINUTES);
        }
    }

    @Override
    public void close() {
        producer.close(java.time.Duration.ofSeconds(5));
    }
}
