package io.dls.testing;

import kafka.testkit.KafkaClusterTestKit;
import kafka.testkit.TestKitNodes;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real KRaft Kafka broker (controller and broker in one node) inside the test JVM, started once and
 * shared by every test class; each test uses its own topic.
 */
public final class TestKafka {
    private static KafkaClusterTestKit cluster;
    private static final AtomicInteger TOPICS = new AtomicInteger();

    private TestKafka() {
    }

    public static synchronized KafkaClusterTestKit cluster() {
        if (cluster == null) {
            try {
                KafkaClusterTestKit c = new KafkaClusterTestKit.Builder(new TestKitNodes.Builder()
                        .setCombined(true).setNumBrokerNodes(1).setNumControllerNodes(1).build())
                        .setConfigProp("offsets.topic.replication.factor", "1")
                        .setConfigProp("transaction.state.log.replication.factor", "1")
                        .setConfigProp("num.partitions", "1")
                        .build();
                c.format();
                c.startup();
                c.waitForReadyBrokers();
                cluster = c;
                CloseAtExit.register("test Kafka broker", c::close);
            } catch (Exception e) {
                throw new IllegalStateException("could not start the test Kafka broker", e);
            }
        }
        return cluster;
    }

    public static String bootstrap() {
        return cluster().bootstrapServers();
    }

    /** Creates a fresh topic with the given partitions and returns its name. */
    public static String newTopic(String prefix, int partitions) {
        return newTopic(bootstrap(), prefix, partitions);
    }

    /** The same on any broker, e.g. a {@link KafkaProcess}'s PLAINTEXT listener. */
    public static String newTopic(String bootstrap, String prefix, int partitions) {
        String name = prefix + "-" + TOPICS.incrementAndGet() + "-" + UUID.randomUUID().toString().substring(0, 8);
        createTopic(bootstrap, name, partitions);
        return name;
    }

    /** Creates the topic {@code name} (replication 1) on that broker. */
    static void createTopic(String bootstrap, String name, int partitions) {
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
            admin.createTopics(List.of(new NewTopic(name, partitions, (short) 1))).all().get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("could not create topic " + name + " on " + bootstrap, e);
        }
    }

    /** Reads the topic from the beginning until {@code expected} records arrived or the timeout passed. */
    public static List<ConsumerRecord<byte[], byte[]>> consume(String topic, int expected, Duration timeout) {
        return consume(bootstrap(), topic, expected, timeout);
    }

    /** The same from any broker, e.g. a {@link KafkaProcess}'s PLAINTEXT listener. */
    public static List<ConsumerRecord<byte[], byte[]>> consume(String bootstrap, String topic, int expected,
                                                              Duration timeout) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> parts = c.partitionsFor(topic).stream()
                    .map(pi -> new TopicPartition(topic, pi.partition())).toList();
            c.assign(parts);
            c.seekToBeginning(parts);
            long deadline = System.nanoTime() + timeout.toNanos();
            while (out.size() < expected && System.nanoTime() < deadline) {
                c.poll(Duration.ofMillis(200)).forEach(out::add);
            }
            // A short extra poll catches records beyond the expected count (duplicates would show here).
            c.poll(Duration.ofMillis(300)).forEach(out::add);
        }
        return out;
    }
}
