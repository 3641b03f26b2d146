package io.dls.notifier;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * Rebuilds the active alerts at start by replaying the alerts topic from a bounded look-back: Kafka is the
 * source of truth, so the notifier keeps no state file of its own. Reads each partition from the first
 * record at or after {@code now - lookBack} up to the end offset it saw when it started, without a
 * consumer group (nothing is committed here).
 */
final class LookBack {
    private static final Logger LOG = LoggerFactory.getLogger(LookBack.class);

    private LookBack() {
    }

    /**
     * @return per partition, the offset where the replay stopped: where the group consumer starts on
     * partitions the group has never committed
     */
    static Map<TopicPartition, Long> replay(KafkaConsumer<byte[], byte[]> consumer, String topic, Duration lookBack,
                                            Duration timeout, Consumer<ConsumerRecord<byte[], byte[]>> apply,
                                            BooleanSupplier running) {
        List<PartitionInfo> infos = partitions(consumer, topic, running);
        Map<TopicPartition, Long> ends = new HashMap<>();
        if (infos == null || infos.isEmpty()) {
            LOG.info("topic {} has no partitions yet: nothing to replay", topic);
            return ends;
        }
        List<TopicPartition> parts = infos.stream().map(p -> new TopicPartition(topic, p.partition())).toList();
        consumer.assign(parts);
        ends.putAll(consumer.endOffsets(parts));
        long from = Instant.now().minus(lookBack).toEpochMilli();
        Map<TopicPartition, Long> query = new HashMap<>();
        parts.forEach(tp -> query.put(tp, from));
        Map<TopicPartition, OffsetAndTimestamp> starts = consumer.offsetsForTimes(query);
        for (TopicPartition tp : parts) {
            OffsetAndTimestamp s = starts.get(tp);
            consumer.seek(tp, s == null ? ends.get(tp) : s.offset());
        }
        long count = 0;
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!caughtUp(consumer, parts, ends)) {
            if (System.nanoTime() > deadline) {
                LOG.warn("replay of {} did not reach the end offsets {} within {}; going on with what was read",
                        topic, ends, timeout);
                break;
            }
            for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                if (r.offset() < ends.get(new TopicPartition(r.topic(), r.partition()))) {
                    apply.accept(r);
                    count++;
                }
            }
        }
        LOG.info("replayed {} record(s) of {} from the last {} (up to offsets {})", count, topic, lookBack, ends);
        return ends;
    }

    /** Waits for Kafka as long as it takes (one line a minute): the notifier may start before the brokers. */
    private static List<PartitionInfo> partitions(KafkaConsumer<byte[], byte[]> consumer, String topic,
                                                  BooleanSupplier running) {
        long since = System.nanoTime();
        long logged = 0;
        while (true) {
            try {
                return consumer.partitionsFor(topic, Duration.ofSeconds(15));
            } catch (TimeoutException e) {
                if (!running.getAsBoolean()) {
                    return List.of();
                }
                long now = System.nanoTime();
                if (logged == 0 || now - logged >= TimeUnit.MINUTES.toNanos(1)) {
                    logged = now;
                    LOG.warn("Kafka not reachable for {} s ({}); still trying", TimeUnit.NANOSECONDS.toSeconds(now - since),
                            e.getMessage());
                }
            }
        }
    }

    private static boolean caughtUp(KafkaConsumer<byte[], byte[]> c, List<TopicPartition> parts,
                                    Map<TopicPartition, Long> ends) {
        for (TopicPartition tp : parts) {
            if (c.position(tp) < ends.get(tp)) {
                return false;
            }
        }
        return true;
    }
}
