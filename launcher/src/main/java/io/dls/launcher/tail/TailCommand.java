package io.dls.launcher.tail;

import io.dls.launcher.demo.DurationConverter;
import io.dls.launcher.demo.Reachability;
import io.dls.launcher.demo.StopSignal;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.TreeSet;
import java.util.concurrent.Callable;

/**
 * {@code tail TOPIC}: a topic's events, one readable line each (see {@link RecordRenderer}). Reads every
 * partition by assignment, without a consumer group, so tailing leaves no trace on the broker.
 */
@Command(name = "tail", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Print a topic's events readably, one per line: partition/offset key, then the JSON "
                + "(msgpack values such as logs.raw's are decoded, with record time and headers).",
                "Ctrl-C stops."})
public final class TailCommand implements Callable<Integer> {
    private static final Duration POLL = Duration.ofMillis(200);

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "TOPIC", description = "e.g. logs.raw, all_logs, critical_logs, node_failure")
    String topic;

    @Option(names = "--kafka-bootstrap", paramLabel = "HOST:PORT", defaultValue = "127.0.0.1:9092", description = "Kafka (default: ${DEFAULT-VALUE})")
    String bootstrap;

    @Option(names = "--from-beginning", description = "Start at the oldest event (default: only new events)")
    boolean fromBeginning;

    @Option(names = "--max", paramLabel = "N", description = "Stop after N events (default: no limit)")
    Long max;

    @Option(names = "--timeout", paramLabel = "DURATION", converter = DurationConverter.class,
            description = "Stop after this long without a new event, e.g. 10s (default: wait forever)")
    Duration timeout;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (max != null && max < 1) {
            err.println("tail: --max must be at least 1");
            return 2;
        }
        Optional<String> problem = Reachability.kafkaProblem(bootstrap);
        if (problem.isPresent()) {
            err.println("tail: cannot reach Kafka at " + bootstrap + " (" + problem.get()
                    + "): is ./dls up running? (or pass --kafka-bootstrap)");
            return 1;
        }
        StopSignal stop = new StopSignal(Duration.ofSeconds(10));
        try (KafkaConsumer<byte[], byte[]> consumer = consumer()) {
            Map<String, List<PartitionInfo>> topics = consumer.listTopics(Duration.ofSeconds(10));
            List<PartitionInfo> partitions = topics.get(topic);
            if (partitions == null || partitions.isEmpty()) {
                err.println("tail: topic '" + topic + "' does not exist on " + bootstrap + "; topics there: "
                        + String.join(", ", new TreeSet<>(topics.keySet())));
                return 1;
            }
            List<TopicPartition> parts = partitions.stream().map(p -> new TopicPartition(topic, p.partition())).toList();
            consumer.assign(parts);
            if (fromBeginning) {
                consumer.seekToBeginning(parts);
            } else {
                consumer.seekToEnd(parts);
            }
            parts.forEach(consumer::position); // fix the start now: "new" means after this point
            // Ctrl-C wakes the consumer out of its poll; the loop ends and the consumer closes cleanly.
            stop.install(consumer::wakeup);
            follow(consumer, out);
            return 0;
        } catch (KafkaException e) {
            err.println("tail: Kafka at " + bootstrap + " accepts connections but does not answer (" + e.getMessage()
                    + "): is it still starting?");
            return 1;
        } finally {
            stop.finished();
        }
    }

    /** Prints until --max, --timeout or Ctrl-C; returns how many events were printed. */
    private long follow(KafkaConsumer<byte[], byte[]> consumer, PrintWriter out) {
        RecordRenderer renderer = new RecordRenderer();
        long shown = 0;
        long lastEvent = System.nanoTime();
        try {
            while (max == null || shown < max) {
                ConsumerRecords<byte[], byte[]> records = consumer.poll(POLL);
                if (records.isEmpty()) {
                    if (timeout != null && System.nanoTime() - lastEvent >= timeout.toNanos()) {
                        break;
                    }
                    continue;
                }
                lastEvent = System.nanoTime();
                for (ConsumerRecord<byte[], byte[]> r : records) {
                    out.println(renderer.render(r));
                    if (max != null && ++shown >= max) {
                        break;
                    }
                }
                out.flush();
            }
        } catch (WakeupException stopped) {
            // Ctrl-C
        }
        out.flush();
        return shown;
    }

    private KafkaConsumer<byte[], byte[]> consumer() {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, "dls-tail");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, "false");
        // Show what consumers of the job's exactly-once output see: committed records only.
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        return new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }
}
