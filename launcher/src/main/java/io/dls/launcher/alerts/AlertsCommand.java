package io.dls.launcher.alerts;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.dls.contracts.TopicNames;
import io.dls.launcher.demo.DurationConverter;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Callable;

/**
 * {@code ./dls alerts}: the active alerts, one line each, most severe first. From Alertmanager when there is
 * one (what people are told, with silences and inhibitions), else from the {@code alerts} topic with the
 * notifier's resolve rules.
 */
@Command(name = "alerts", mixinStandardHelpOptions = true,
        description = "Active alerts, one line each, most severe first: from Alertmanager's API v2, or from the alerts topic")
public final class AlertsCommand implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Spec
    CommandSpec spec;

    @Option(names = "--alertmanager-url", paramLabel = "URL", description = "Alertmanager to ask; without it the alerts topic is read")
    String alertmanagerUrl;

    @Option(names = "--kafka-bootstrap", paramLabel = "HOST:PORT", defaultValue = "127.0.0.1:9092", description = "default: ${DEFAULT-VALUE}")
    String kafkaBootstrap;

    @Option(names = "--topic", defaultValue = TopicNames.ALERTS, description = "default: ${DEFAULT-VALUE}")
    String topic;

    @Option(names = "--look-back", defaultValue = "24h", converter = DurationConverter.class,
            description = "how far back the topic is read (default: ${DEFAULT-VALUE}, as the notifier's)")
    Duration lookBack;

    @Override
    public Integer call() throws InterruptedException {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        List<ActiveAlert> alerts;
        String source;
        try {
            if (alertmanagerUrl != null && !alertmanagerUrl.isBlank()) {
                alerts = new ArrayList<>(AlertmanagerAlerts.fetch(alertmanagerUrl, Duration.ofSeconds(10)));
                source = "Alertmanager " + alertmanagerUrl;
            } else {
                alerts = new ArrayList<>(fromTopic(Instant.now()));
                source = "topic " + topic + " (no Alertmanager: silences and inhibitions are not applied)";
            }
        } catch (IOException | KafkaException e) {
            err.println("alerts: " + e.getMessage());
            return 1;
        }
        alerts.sort(ActiveAlert.MOST_SEVERE_FIRST);
        alerts.forEach(a -> out.println(a.line()));
        if (alerts.isEmpty()) {
            out.println("no active alerts");
        }
        err.println("(" + alerts.size() + " from " + source + ")");
        out.flush();
        err.flush();
        return 0;
    }

    private List<ActiveAlert> fromTopic(Instant now) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafkaBootstrap);
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, "dls-alerts");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, "false");
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "15000");
        List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
        // By assignment, without a group: asking leaves no trace on the broker.
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> parts = c.partitionsFor(topic).stream()
                    .map(i -> new TopicPartition(i.topic(), i.partition())).toList();
            c.assign(parts);
            Map<TopicPartition, Long> since = new HashMap<>();
            parts.forEach(tp -> since.put(tp, now.minus(lookBack).toEpochMilli()));
            Map<TopicPartition, OffsetAndTimestamp> starts = c.offsetsForTimes(since);
            Map<TopicPartition, Long> ends = c.endOffsets(parts);
            for (TopicPartition tp : parts) {
                OffsetAndTimestamp s = starts.get(tp);
                c.seek(tp, s == null ? ends.get(tp) : s.offset());
            }
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (parts.stream().anyMatch(tp -> c.position(tp) < ends.get(tp)) && System.nanoTime() < deadline) {
                c.poll(Duration.ofMillis(200)).forEach(records::add);
            }
        }
        records.sort(Comparator.comparingLong(ConsumerRecord::timestamp));
        TopicAlerts fold = new TopicAlerts();
        for (ConsumerRecord<byte[], byte[]> r : records) {
            try {
                JsonNode doc = JSON.readTree(r.value());
                fold.add(doc, Instant.ofEpochMilli(r.timestamp()));
            } catch (IOException notJson) {
                // not an alert document: the notifier skips it too
            }
        }
        return fold.active(now);
    }
}
