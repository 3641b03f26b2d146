package io.dls.launcher;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

/**
 * A consumer group's lag, as ./dls status shows the index job's: records not yet committed (Flink commits the
 * offsets at each checkpoint), and how old the oldest of them is, from its Kafka timestamp.
 */
@Command(name = "lag", description = "A consumer group's lag over topics: records and seconds behind")
public final class LagCommand implements Callable<Integer> {
    @Option(names = "--kafka-bootstrap", defaultValue = "127.0.0.1:9092")
    String bootstrap;

    @Option(names = "--group", required = true)
    String group;

    @Option(names = "--topics", required = true, split = ",")
    List<String> topics;

    /** The lag of a group: records behind, and the age of the oldest record it has not committed yet (ms). */
    public record Lag(long records, long oldestMillis) {
    }

    @Override
    public Integer call() {
        Lag lag;
        try {
            lag = lag(bootstrap, group, topics);
        } catch (Exception e) {
            Throwable cause = e instanceof java.util.concurrent.ExecutionException && e.getCause() != null ? e.getCause() : e;
            System.out.println("unknown (" + cause.getClass().getSimpleName() + ": " + cause.getMessage() + ")");
            return 1;
        }
        System.out.println(lag.records() + " records" + (lag.records() == 0 ? ""
                : ", oldest " + (lag.oldestMillis() / 1000) + " s old"));
        return 0;
    }

    public static Lag lag(String bootstrap, String group, List<String> topics) throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 15_000))) {
            Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(group)
                    .partitionsToOffsetAndMetadata().get(15, TimeUnit.SECONDS);
            Map<TopicPartition, OffsetSpec> ends = new HashMap<>();
            for (var d : admin.describeTopics(topics).allTopicNames().get(15, TimeUnit.SECONDS).values()) {
                d.partitions().forEach(p -> ends.put(new TopicPartition(d.name(), p.partition()), OffsetSpec.latest()));
            }
            Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> latest = admin.listOffsets(ends).all()
                    .get(15, TimeUnit.SECONDS);
            long records = 0;
            Map<TopicPartition, Long> behind = new HashMap<>();
            for (var e : latest.entrySet()) {
                OffsetAndMetadata c = committed.get(e.getKey());
                long from = c == null ? 0 : c.offset();
                if (e.getValue().offset() > from) {
                    records += e.getValue().offset() - from;
                    behind.put(e.getKey(), from);
                }
            }
            return new Lag(records, oldest(bootstrap, behind));
        }
    }

    /** The age of the oldest record at the given offsets (their Kafka timestamps), in ms; 0 when none. */
    private static long oldest(String bootstrap, Map<TopicPartition, Long> offsets) {
        if (offsets.isEmpty()) {
            return 0;
        }
        long oldestTimestamp = Long.MAX_VALUE;
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap, ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false",
                ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "1"), new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            for (var e : offsets.entrySet()) {
                c.assign(List.of(e.getKey()));
                c.seek(e.getKey(), e.getValue());
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofSeconds(5))) {
                    oldestTimestamp = Math.min(oldestTimestamp, r.timestamp());
                    break;
                }
            }
        }
        return oldestTimestamp == Long.MAX_VALUE ? 0 : Math.max(0, System.currentTimeMillis() - oldestTimestamp);
    }
}
