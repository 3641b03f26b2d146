package io.dls.launcher.demo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;

/**
 * Follows the job's output topics and prints what arrives, the three consoles of the original system in
 * one terminal. Partitions are assigned by hand (no consumer group to leave behind) and start at the end
 * of each topic as of {@link #start()}, so only what the demo causes is shown. A topic that does not exist
 * yet (the job has not written to it) is looked for every two seconds and read from its beginning once
 * it appears: all of it is newer than the start.
 */
final class ConsoleFeed implements AutoCloseable {
    private static final Duration RECHECK = Duration.ofSeconds(2);

    private final ConsoleTopics topics;
    private final EventFormatter formatter;
    private final ConsolePrinter printer;
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final ObjectMapper json = new ObjectMapper();
    private final Set<String> waitingFor = new LinkedHashSet<>();
    private final Thread thread = new Thread(this::run, "demo-console");
    private volatile boolean stopping;
    private volatile boolean started;
    private long nextCheck;

    ConsoleFeed(String bootstrap, ConsoleTopics topics, EventFormatter formatter, ConsolePrinter printer) {
        this.topics = topics;
        this.formatter = formatter;
        this.printer = printer;
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, "dls-demo-console");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        // Looking at a topic must not create it with the broker's defaults; the job or ./dls does that.
        p.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, "false");
        // With the job's exactly-once sink, uncommitted (possibly aborted) output is not shown.
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "10000");
        consumer = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    /** Pins the start offsets (end of each existing topic) before returning, then follows in a thread. */
    void start() {
        waitingFor.addAll(topics.names());
        try {
            assignNewTopics(false);
        } catch (RuntimeException e) {
            consumer.close(Duration.ZERO);
            throw e;
        }
        for (String t : waitingFor) {
            printer.println("waiting for topic " + t + " (it appears when the job first writes to it)", false);
        }
        thread.setDaemon(true);
        thread.start();
        started = true;
    }

    private void assignNewTopics(boolean fromBeginning) {
        Map<String, List<PartitionInfo>> existing = consumer.listTopics(Duration.ofSeconds(10));
        List<TopicPartition> added = new ArrayList<>();
        for (String t : List.copyOf(waitingFor)) {
            List<PartitionInfo> parts = existing.get(t);
            if (parts != null && !parts.isEmpty()) {
                parts.forEach(pi -> added.add(new TopicPartition(t, pi.partition())));
                waitingFor.remove(t);
            }
        }
        if (added.isEmpty()) {
            return;
        }
        List<TopicPartition> all = new ArrayList<>(consumer.assignment());
        all.addAll(added);
        consumer.assign(all); // partitions already assigned keep their positions
        if (fromBeginning) {
            consumer.seekToBeginning(added);
        } else {
            consumer.seekToEnd(added);
        }
        // seekTo* is lazy; asking for the position fixes it now, before the demo sends anything.
        added.forEach(consumer::position);
    }

    private void run() {
        try {
            while (!stopping) {
                if (!waitingFor.isEmpty() && System.nanoTime() >= nextCheck) {
                    nextCheck = System.nanoTime() + RECHECK.toNanos();
                    assignNewTopics(true);
                }
                if (consumer.assignment().isEmpty()) {
                    Thread.sleep(200);
                    continue;
                }
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    show(r);
                }
            }
        } catch (WakeupException | InterruptedException e) {
            // close() asked us to stop
        } catch (RuntimeException e) {
            printer.println("console stopped: " + e, true);
        } finally {
            consumer.close(Duration.ofSeconds(2));
        }
    }

    private void show(ConsumerRecord<byte[], byte[]> r) {
        Section section = topics.sectionOf(r.topic());
        JsonNode doc;
        try {
            doc = r.value() == null ? null : json.readTree(r.value());
        } catch (IOException e) {
            doc = null;
        }
        if (doc == null || !doc.isObject()) {
            printer.print(new ConsoleLine(section, formatter.now(), "?", "not a JSON event (" + r.topic() + " "
                    + r.partition() + "/" + r.offset() + "); try: ./dls tail " + r.topic()));
            return;
        }
        formatter.format(section, doc).ifPresent(printer::print);
    }

    /** Keeps printing for {@code drain} (the job's output of the last events is still on its way), then stops. */
    void close(Duration drain) {
        try {
            Thread.sleep(drain.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        close();
    }

    @Override
    public void close() {
        if (!started) {
            return; // start() failed and closed the consumer itself
        }
        stopping = true;
        consumer.wakeup();
        try {
            thread.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
