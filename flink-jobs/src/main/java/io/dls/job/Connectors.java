package io.dls.job;

import io.dls.job.decode.RawRecord;
import io.dls.job.decode.RawRecordDeserializer;
import io.dls.job.route.Output;
import io.dls.job.route.Topics;
import io.dls.job.index.Document;
import io.dls.job.index.DocumentEmitter;
import io.dls.job.index.IndexInput;
import io.dls.job.index.IndexInputDeserializer;
import io.dls.job.index.IndexSettings;
import io.dls.job.index.WriterServices;
import io.dls.job.route.OutputSerializer;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.elasticsearch.sink.JsonBulkSinkBuilder;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.http.HttpHost;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.OffsetResetStrategy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/** The real sources and sinks of the job, built from its options. */
public final class Connectors {
    private static final Logger log = LoggerFactory.getLogger(Connectors.class);

    /** Largest bulk request body the index job sends, in MB. */
    static final int BULK_MAX_MB = 10;

    private Connectors() {
    }

    static Properties kafkaProperties(JobOptions o) {
        Properties p = new Properties();
        p.putAll(o.kafkaProperties);
        p.put("bootstrap.servers", o.kafkaBootstrap);
        return p;
    }

    public static KafkaSource<RawRecord> source(JobOptions o) {
        return source(o, new RawRecordDeserializer());
    }

    /** The pipeline job's source of the raw topic, its records read by {@code records} (benchmarks). */
    public static <T> KafkaSource<T> source(JobOptions o, KafkaRecordDeserializationSchema<T> records) {
        return KafkaSource.<T>builder()
                .setBootstrapServers(o.kafkaBootstrap)
                .setProperties(kafkaProperties(o))
                .setTopics(o.topicRaw)
                .setGroupId(o.groupId)
                .setStartingOffsets(startingOffsets(o))
                .setDeserializer(records)
                .setProperty("commit.offsets.on.checkpoint", "true")
                .build();
    }

    private static OffsetsInitializer startingOffsets(JobOptions o) {
        return switch (o.startingOffsets) {
            case "earliest" -> OffsetsInitializer.earliest();
            case "latest" -> OffsetsInitializer.latest();
            default -> OffsetsInitializer.committedOffsets(OffsetResetStrategy.EARLIEST);
        };
    }

    /** The Kafka sinks of each stream of {@link LogPipeline}. */
    public static LogPipeline.Sinks sinks(JobOptions o) {
        return new LogPipeline.Sinks(stream -> kafkaSink(o, stream));
    }

    /** The index job's input: all_logs and alerts, from its own consumer group's committed offsets. */
    public static KafkaSource<IndexInput> indexSource(JobOptions o) {
        return KafkaSource.<IndexInput>builder()
                .setBootstrapServers(o.kafkaBootstrap)
                .setProperties(kafkaProperties(o))
                .setTopics(o.topicAll, o.topicAlerts)
                .setGroupId(o.indexGroupId)
                .setStartingOffsets(startingOffsets(o))
                .setDeserializer(new IndexInputDeserializer())
                .setProperty("commit.offsets.on.checkpoint", "true")
                // With --delivery exactly-once the topics hold transactions: index only what was committed.
                .setProperty("isolation.level", "read_committed")
                .build();
    }

    /**
     * @param stream which of the pipeline's streams: with exactly-once, each sink needs transactional ids of
     *               its own, so every stream but the events adds its name to the prefix
     */
    public static KafkaSink<Output> kafkaSink(JobOptions o, String stream) {
        Properties p = kafkaProperties(o);
        // The sink's default transaction timeout (1 h) is above the broker's default maximum (15 min).
        p.putIfAbsent("transaction.timeout.ms", "600000");
        p.putIfAbsent("compression.type", "lz4");
        if (LogPipeline.Sinks.EVENTS.equals(stream)) {
            // Every event goes through this producer: large batches, because each batch costs a compression
            // buffer of its own (lz4: over 100 kB) and a request. A log line waits at most this much longer.
            p.putIfAbsent("linger.ms", "50");
            p.putIfAbsent("batch.size", "262144");
        } else {
            p.putIfAbsent("linger.ms", "5"); // alerts: as soon as possible
        }
        boolean exactlyOnce = o.delivery.equals("exactly-once");
        var b = KafkaSink.<Output>builder()
                .setBootstrapServers(o.kafkaBootstrap)
                .setKafkaProducerConfig(p)
                .setRecordSerializer(new OutputSerializer())
                .setDeliveryGuarantee(exactlyOnce ? DeliveryGuarantee.EXACTLY_ONCE : DeliveryGuarantee.AT_LEAST_ONCE);
        if (exactlyOnce) {
            b.setTransactionalIdPrefix(LogPipeline.Sinks.EVENTS.equals(stream)
                    ? o.transactionalIdPrefix : o.transactionalIdPrefix + "-" + stream);
        }
        return b.build();
    }

    /**
     * The index job's Elasticsearch sink: the connector's writer with bulks that never fail the job (see
     * {@link JsonBulkSinkBuilder}).
     */
    public static Sink<Document> elasticsearchSink(JobOptions o) {
        List<HttpHost> hosts = new ArrayList<>();
        for (String h : o.esHosts) {
            hosts.add(HttpHost.create(h.endsWith("/") ? h.substring(0, h.length() - 1) : h));
        }
        String password = o.esPassword();
        JsonBulkSinkBuilder<Document> b = new JsonBulkSinkBuilder<>();
        b.setHosts(hosts.toArray(new HttpHost[0]))
                .setEmitter(new DocumentEmitter())
                .setBulkFlushMaxActions(o.esBulkActions)
                // Well under Elasticsearch's http.max_content_length (100 MB): a bulk it answers 413 for would
                // be retried forever. 1,000 events of --max-event-bytes could otherwise reach 256 MB.
                .setBulkFlushMaxSizeMb(BULK_MAX_MB)
                // On the task's timer (JsonBulkSinkBuilder), so that cancelling never waits for Elasticsearch.
                .setBulkFlushInterval(o.esBulkIntervalMs)
                .setDeliveryGuarantee(DeliveryGuarantee.AT_LEAST_ONCE);
        if (o.esUsername != null) {
            b.setConnectionUsername(o.esUsername).setConnectionPassword(password);
        }
        Map<String, String> kafka = new HashMap<>();
        kafkaProperties(o).forEach((k, v) -> kafka.put(String.valueOf(k), String.valueOf(v)));
        IndexSettings settings = new IndexSettings(kafka, o.topicDeadLetter, hosts.get(0).toURI(), o.esUsername,
                password, o.retentionDays);
        return b.buildResilient(new WriterServices.Factory(settings));
    }

    /** Creates every topic the job reads or writes that does not exist yet (a missing input fails the job). */
    public static void createTopics(JobOptions o, Set<String> extra) throws Exception {
        Topics t = o.topics();
        Set<String> wanted = new java.util.TreeSet<>(List.of(t.raw(), t.all(), t.critical(), t.nodeFailure(), t.alerts(),
                t.invalid(), o.topicDeadLetter));
        wanted.addAll(extra);
        Map<String, Object> props = new HashMap<>();
        kafkaProperties(o).forEach((k, v) -> props.put(String.valueOf(k), v));
        try (Admin admin = Admin.create(props)) {
            Set<String> existing = admin.listTopics().names().get(60, TimeUnit.SECONDS);
            List<NewTopic> missing = new ArrayList<>();
            for (String name : wanted) {
                if (!existing.contains(name)) {
                    missing.add(new NewTopic(name, o.topicPartitions, (short) -1));
                }
            }
            if (!missing.isEmpty()) {
                admin.createTopics(missing).all().get(60, TimeUnit.SECONDS);
                log.info("created topics {}", missing.stream().map(NewTopic::name).toList());
            }
        }
    }
}
