package io.dls.notifier;

import org.apache.kafka.clients.consumer.CommitFailedException;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RebalanceInProgressException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.CountDownLatch;

/**
 * The notifier's one thread: replay the look-back, then consume the alerts topic in the group, post what
 * is due to every Alertmanager, and commit the offsets of the records read only once all of them took it
 * (at-least-once). While an Alertmanager is down the partitions are paused and the thread keeps polling,
 * so the consumer stays in its group; nothing upstream notices, the lag grows and Kafka holds the alerts.
 */
public final class Notifier implements Runnable, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Notifier.class);
    private static final Duration MAX_POLL = Duration.ofMillis(500);
    private static final Duration REPLAY_TIMEOUT = Duration.ofMinutes(5);

    private final NotifierConfig config;
    private final AlertReader reader = new AlertReader();
    private final ActiveAlerts active;
    private final Delivery delivery;
    private final Stats stats = new Stats();
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final CountDownLatch replayed = new CountDownLatch(1);
    private final CountDownLatch assigned = new CountDownLatch(1);
    private volatile boolean running = true;
    private volatile boolean started;
    private volatile Throwable failure;
    private volatile KafkaConsumer<byte[], byte[]> consumer;
    /** True while a batch waits for an Alertmanager: partitions assigned meanwhile are paused too. */
    private boolean holding;
    private Map<TopicPartition, Long> replayEnds = Map.of();

    public Notifier(NotifierConfig config) {
        this.config = config;
        this.active = new ActiveAlerts(config.alertSettings(),
                new AlertMapper(new KibanaLinks(config.kibanaUrl(), config.kibanaIndexPattern())));
        this.delivery = new Delivery(
                config.alertmanagerUrls().stream().map(u -> new AlertmanagerClient(u, config.requestTimeout())).toList(),
                config.retryInitial(), config.retryMax(), stats, Instant::now);
    }

    /** Why the loop ended, when it was not asked to stop. */
    public java.util.Optional<Throwable> failure() {
        return java.util.Optional.ofNullable(failure);
    }

    public Stats stats() {
        return stats;
    }

    /** Waits until the start-up replay is done (for tests and the main's log). */
    public boolean awaitReplayed(Duration timeout) throws InterruptedException {
        return replayed.await(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
    }

    /**
     * Waits until the group consumer owns partitions of the topic: a new group waits for the broker's
     * initial rebalance delay (3 s by default) before its first assignment.
     */
    public boolean awaitAssigned(Duration timeout) throws InterruptedException {
        return assigned.await(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
    }

    @Override
    public void run() {
        started = true;
        try {
            replay();
            replayed.countDown();
            consume();
        } catch (WakeupException e) {
            if (running) {
                failure = e;
                LOG.error("notifier stopped by an unexpected wakeup", e);
            }
        } catch (RuntimeException e) {
            failure = e;
            LOG.error("notifier failed: {}", e.toString(), e);
        } finally {
            replayed.countDown();
            LOG.info("notifier stopped: {}", stats);
            stopped.countDown();
        }
    }

    private Properties consumerProperties(boolean group) {
        Properties p = new Properties();
        p.putAll(config.kafkaProperties());
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers());
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        // The pipeline may write alerts in transactions (exactly-once): only committed ones are alerts.
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        // The pipeline creates the alerts topic with its partitions; a reader must not create it with defaults.
        p.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, "false");
        p.putIfAbsent(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "500");
        p.putIfAbsent(ConsumerConfig.CLIENT_ID_CONFIG, group ? "dls-notifier" : "dls-notifier-replay");
        if (group) {
            p.put(ConsumerConfig.GROUP_ID_CONFIG, config.groupId());
        } else {
            p.remove(ConsumerConfig.GROUP_ID_CONFIG); // the replay reads by assignment and never commits
        }
        return p;
    }

    private void replay() {
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(consumerProperties(false),
                new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            consumer = c;
            if (!running) {
                return;
            }
            replayEnds = LookBack.replay(c, config.topic(), config.lookBack(), REPLAY_TIMEOUT, this::apply,
                    () -> running);
        } finally {
            consumer = null;
        }
        active.afterReplay(Instant.now());
        LOG.info("{} alert(s) active after the replay; posting them to {}", active.firingCount(),
                config.alertmanagerUrls());
    }

    private void consume() {
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(consumerProperties(true),
                new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            consumer = c;
            if (!running) {
                return;
            }
            c.subscribe(List.of(config.topic()), new StartWhereReplayEnded(c));
            while (running) {
                ConsumerRecords<byte[], byte[]> records = c.poll(pollTimeout());
                Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
                for (ConsumerRecord<byte[], byte[]> r : records) {
                    apply(r);
                    offsets.put(new TopicPartition(r.topic(), r.partition()), new OffsetAndMetadata(r.offset() + 1));
                }
                if (!deliverDue(c)) {
                    return; // stopping: nothing committed for what was not delivered
                }
                commit(c, offsets, records.count());
            }
        } finally {
            consumer = null;
        }
    }

    private Duration pollTimeout() {
        Instant next = active.nextDue();
        if (next == null) {
            return MAX_POLL;
        }
        Duration d = Duration.between(Instant.now(), next);
        return d.isNegative() ? Duration.ZERO : d.compareTo(MAX_POLL) > 0 ? MAX_POLL : d;
    }

    private void apply(ConsumerRecord<byte[], byte[]> r) {
        stats.read();
        try {
            active.apply(reader.read(r.value(), Instant.ofEpochMilli(r.timestamp())), Instant.now());
        } catch (AlertReader.UnreadableAlert e) {
            stats.unreadable();
            LOG.warn("skipped record {}-{}@{}: not an alert ({})", r.topic(), r.partition(), r.offset(), e.getMessage());
        }
    }

    /**
     * Posts what is due until every Alertmanager has it. Meanwhile the assigned partitions stay paused and
     * poll() keeps the group membership alive. False when the notifier is stopping.
     */
    private boolean deliverDue(KafkaConsumer<byte[], byte[]> c) {
        List<AlertmanagerAlert> due = active.due(Instant.now());
        if (due.isEmpty()) {
            return true;
        }
        Delivery.Attempt attempt = delivery.start(due);
        Instant started = Instant.now();
        while (!attempt.tryOnce()) {
            if (!running) {
                return false;
            }
            if (Instant.now().isAfter(started.plus(config.resendInterval()))) {
                // A long outage: recompute what is due, so firing alerts go with an endsAt still ahead
                // (posted late, the old one could already have passed and resolve them) and
                // resolutions that fell due meanwhile go too. Reposting to an Alertmanager that has
                // part of it already changes nothing there.
                due = active.due(Instant.now());
                attempt = attempt.with(due);
                started = Instant.now();
            }
            holding = true;
            try {
                c.pause(c.assignment());
                idle(c, attempt.nextDelay());
            } finally {
                holding = false;
            }
        }
        c.resume(c.paused());
        active.delivered(due, attempt.refused(), Instant.now());
        return true;
    }

    /** Waits inside poll(): paused partitions return nothing; anything that still comes is read again later. */
    private void idle(KafkaConsumer<byte[], byte[]> c, Duration delay) {
        ConsumerRecords<byte[], byte[]> stray = c.poll(delay);
        Map<TopicPartition, Long> first = new HashMap<>();
        for (ConsumerRecord<byte[], byte[]> r : stray) {
            first.merge(new TopicPartition(r.topic(), r.partition()), r.offset(), Math::min);
        }
        first.forEach(c::seek);
    }

    private void commit(KafkaConsumer<byte[], byte[]> c, Map<TopicPartition, OffsetAndMetadata> offsets, int n) {
        if (offsets.isEmpty()) {
            return;
        }
        try {
            c.commitSync(offsets);
            stats.committed(n);
        } catch (CommitFailedException | RebalanceInProgressException e) {
            // Partitions moved to another member: it reads these records again (at-least-once).
            LOG.warn("offsets {} not committed ({}); the records will be delivered again", offsets, e.getMessage());
        } catch (KafkaException e) {
            if (e instanceof WakeupException) {
                throw e;
            }
            LOG.warn("offsets {} not committed ({}); the records will be delivered again", offsets, e.toString());
        }
    }

    /**
     * A partition the group has never committed starts where the replay stopped (what came before was
     * applied and posted in the start-up resend), or at the look-back if the replay did not see it.
     */
    private final class StartWhereReplayEnded implements ConsumerRebalanceListener {
        private final KafkaConsumer<byte[], byte[]> c;

        StartWhereReplayEnded(KafkaConsumer<byte[], byte[]> c) {
            this.c = c;
        }

        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            // Offsets are committed right after each delivery; nothing is pending here.
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            Map<TopicPartition, OffsetAndMetadata> committed = c.committed(Set.copyOf(partitions));
            Map<TopicPartition, Long> lookBack = new HashMap<>();
            for (TopicPartition tp : partitions) {
                if (committed.get(tp) != null) {
                    continue;
                }
                Long end = replayEnds.get(tp);
                if (end != null) {
                    c.seek(tp, end);
                } else {
                    lookBack.put(tp, Instant.now().minus(config.lookBack()).toEpochMilli());
                }
            }
            if (!lookBack.isEmpty()) {
                Map<TopicPartition, OffsetAndTimestamp> at = c.offsetsForTimes(lookBack);
                Map<TopicPartition, Long> ends = c.endOffsets(lookBack.keySet());
                lookBack.keySet().forEach(tp -> c.seek(tp, at.get(tp) == null ? ends.get(tp) : at.get(tp).offset()));
            }
            if (holding) {
                c.pause(partitions);
            }
            if (!partitions.isEmpty()) {
                assigned.countDown();
            }
            LOG.info("assigned {} (committed: {})", partitions, committed);
        }
    }

    /** Stops the loop; records read but not delivered are not committed, so they come again at the next start. */
    @Override
    public void close() throws InterruptedException {
        running = false;
        if (!started) {
            return;
        }
        KafkaConsumer<byte[], byte[]> c = consumer;
        if (c != null) {
            c.wakeup();
        }
        stopped.await(30, java.util.concurrent.TimeUnit.SECONDS);
    }
}
