package io.dls.receiver.support;

import io.dls.testing.TestKafka;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.msgpack.value.Value;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

import static org.awaitility.Awaitility.await;

/**
 * Reads a topic continuously from the beginning in a background thread, so a test can see events arrive in
 * Kafka while something else is going on (not only once everything is over). Records are counted by key (the
 * Fluentd tag); a record field {@code seq} (an integer) is remembered per tag.
 */
public final class TopicWatcher implements AutoCloseable {
    private final Map<String, AtomicLong> counts = new ConcurrentHashMap<>();
    private final Map<String, Set<Long>> seqs = new ConcurrentHashMap<>();
    private final Thread thread;
    private volatile boolean running = true;
    private volatile Throwable failure;

    private TopicWatcher(String topic) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, TestKafka.bootstrap());
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(p, new ByteArrayDeserializer(),
                new ByteArrayDeserializer());
        List<TopicPartition> parts = consumer.partitionsFor(topic).stream()
                .map(pi -> new TopicPartition(topic, pi.partition())).toList();
        consumer.assign(parts);
        consumer.seekToBeginning(parts);
        thread = new Thread(() -> {
            try (consumer) {
                while (running) {
                    for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(50))) {
                        add(r);
                    }
                }
            } catch (Throwable t) {
                failure = t;
            }
        }, "topic-watcher-" + topic);
        thread.setDaemon(true);
        thread.start();
    }

    public static TopicWatcher start(String topic) {
        return new TopicWatcher(topic);
    }

    private void add(ConsumerRecord<byte[], byte[]> r) {
        String tag = r.key() == null ? "" : new String(r.key(), StandardCharsets.UTF_8);
        counts.computeIfAbsent(tag, t -> new AtomicLong()).incrementAndGet();
        for (Map.Entry<Value, Value> e : Msgpack.read(r.value()).asMapValue().entrySet()) {
            if (e.getKey().toString().equals("seq") && e.getValue().isIntegerValue()) {
                seqs.computeIfAbsent(tag, t -> ConcurrentHashMap.newKeySet()).add(e.getValue().asIntegerValue().toLong());
            }
        }
    }

    /** Records with this key seen so far (duplicates included). */
    public long count(String tag) {
        if (failure != null) {
            throw new IllegalStateException("the topic watcher failed", failure);
        }
        AtomicLong n = counts.get(tag);
        return n == null ? 0 : n.get();
    }

    /** Every key seen so far. */
    public Set<String> tags() {
        return Set.copyOf(counts.keySet());
    }

    /** The distinct {@code seq} values seen for this key. */
    public Set<Long> seqs(String tag) {
        return Set.copyOf(seqs.getOrDefault(tag, Set.of()));
    }

    /** Waits until at least {@code target} records with this key have arrived in all. */
    public void awaitCount(String tag, long target, Duration timeout) {
        await().atMost(timeout).pollInterval(Duration.ofMillis(20)).until(() -> count(tag) >= target);
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        thread.join(10_000);
    }
}
