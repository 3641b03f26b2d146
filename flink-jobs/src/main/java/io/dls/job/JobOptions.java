package io.dls.job;

import io.dls.contracts.TopicNames;
import io.dls.job.decode.InputLimits;
import io.dls.job.route.FleetSilence;
import io.dls.job.route.Topics;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Everything the two jobs can be told, as flags; each can also come from a YAML file given with --config
 * (keys are the flag names without dashes: {@code kafka-bootstrap: 127.0.0.1:9092}). Both jobs take the same
 * options, so one file configures a deployment; each job uses the ones it needs (the pipeline job never
 * touches Elasticsearch, the index job never reads logs.raw).
 */
public final class JobOptions {
    @Option(names = "--config", paramLabel = "FILE", description = "YAML file with any of these options")
    Path config;

    @Option(names = "--kafka-bootstrap", defaultValue = "127.0.0.1:9092", description = "Kafka bootstrap servers (default ${DEFAULT-VALUE})")
    String kafkaBootstrap;

    @Option(names = "--kafka-property", paramLabel = "KEY=VALUE", split = ",", description = "any Kafka client property for source, sink and admin (SASL, SSL)")
    Map<String, String> kafkaProperties = new LinkedHashMap<>();

    @Option(names = "--group-id", defaultValue = "dls-log-pipeline", description = "the pipeline job's Kafka consumer group (default ${DEFAULT-VALUE})")
    String groupId;

    @Option(names = "--index-group-id", defaultValue = "dls-index", description = "the index job's Kafka consumer group (default ${DEFAULT-VALUE})")
    String indexGroupId;

    @Option(names = "--starting-offsets", defaultValue = "committed-or-earliest",
            description = "earliest | latest | committed-or-earliest (default ${DEFAULT-VALUE})")
    String startingOffsets;

    @Option(names = "--topic-raw", defaultValue = TopicNames.RAW, description = "input topic (default ${DEFAULT-VALUE})")
    String topicRaw;

    @Option(names = "--topic-all", defaultValue = TopicNames.ALL, description = "default ${DEFAULT-VALUE}")
    String topicAll;

    @Option(names = "--topic-critical", defaultValue = TopicNames.CRITICAL, description = "default ${DEFAULT-VALUE}")
    String topicCritical;

    @Option(names = "--topic-node-failure", defaultValue = TopicNames.NODE_FAILURE, description = "default ${DEFAULT-VALUE}")
    String topicNodeFailure;

    @Option(names = "--topic-invalid", defaultValue = TopicNames.INVALID, description = "default ${DEFAULT-VALUE}")
    String topicInvalid;

    @Option(names = "--topic-alerts", defaultValue = TopicNames.ALERTS,
            description = "every alert, whatever its pattern's topic (default ${DEFAULT-VALUE})")
    String topicAlerts;

    @Option(names = "--topic-dead-letter", defaultValue = TopicNames.DEAD_LETTER,
            description = "documents Elasticsearch refused for good, with its reason (default ${DEFAULT-VALUE})")
    String topicDeadLetter;

    @Option(names = "--critical-level", defaultValue = "ERROR",
            description = "events at or above go to critical_logs: TRACE DEBUG INFO WARN ERROR FATAL (default ${DEFAULT-VALUE})")
    String criticalLevel;

    @Option(names = "--topic-partitions", defaultValue = "3", description = "partitions of topics the job creates (default ${DEFAULT-VALUE})")
    int topicPartitions;

    @Option(names = "--es-hosts", defaultValue = "http://127.0.0.1:9200", split = ",",
            description = "Elasticsearch URLs (default ${DEFAULT-VALUE})")
    List<String> esHosts;

    @Option(names = "--es-username", description = "Elasticsearch basic auth user")
    String esUsername;

    @Option(names = "--es-password", description = "Elasticsearch basic auth password (prefer ES_PASSWORD in the environment)",
            defaultValue = "${env:ES_PASSWORD}")
    String esPassword;

    @Option(names = "--es-password-file", paramLabel = "FILE",
            description = "read the Elasticsearch password from this file (a mounted secret; one trailing newline is"
                    + " dropped); wins over --es-password and ES_PASSWORD")
    Path esPasswordFile;

    @Option(names = "--es-bulk-actions", defaultValue = "1000", description = "bulk flush after N documents (default ${DEFAULT-VALUE})")
    int esBulkActions;

    @Option(names = "--es-bulk-interval", defaultValue = "1000", description = "bulk flush interval, ms (default ${DEFAULT-VALUE})")
    long esBulkIntervalMs;

    @Option(names = "--es-parallelism", defaultValue = "0",
            description = "Elasticsearch sink subtasks; each sends one bulk request at a time (default: the job's parallelism)")
    int esParallelism;

    @Option(names = "--retention-days", defaultValue = "0",
            description = "index job: delete daily logs-* indices older than this many days; 0 keeps them all (default ${DEFAULT-VALUE})")
    int retentionDays;

    @Option(names = "--patterns", defaultValue = "alert-patterns", description = "directory of alert pattern YAML files (default ${DEFAULT-VALUE})")
    Path patterns;

    @Option(names = "--aliases", description = "field alias file (default: normalize-aliases.yaml in the jar)")
    Path aliases;

    @Option(names = "--max-event-bytes", defaultValue = "262144",
            description = "largest event JSON; longer strings are cut and the event tagged 'truncated' (default ${DEFAULT-VALUE},"
                    + " well under Kafka's 1 MiB max.request.size)")
    int maxEventBytes;

    @Option(names = "--max-clock-skew", defaultValue = "300000",
            description = "ms an event time may be ahead of the job's clock; beyond, the time the job read it is used and the"
                    + " event tagged 'event_time_replaced' (default ${DEFAULT-VALUE})")
    long maxClockSkewMs;

    @Option(names = "--fleet-silence-threshold", defaultValue = "0.5",
            description = "pipeline-silent: raised when more than this fraction of the nodes go silent together; 1 turns it off"
                    + " (default ${DEFAULT-VALUE})")
    double fleetSilenceThreshold;

    @Option(names = "--fleet-silence-after", defaultValue = "15000",
            description = "pipeline-silent: ms without a heartbeat before a node counts as silent, and the span its silent"
                    + " nodes must have stopped within (default ${DEFAULT-VALUE}, the heartbeat-timeout window)")
    long fleetSilenceAfterMs;

    @Option(names = "--fleet-silence-min-nodes", defaultValue = "3",
            description = "pipeline-silent: fleets smaller than this never raise it (default ${DEFAULT-VALUE})")
    int fleetSilenceMinNodes;

    @Option(names = "--fleet-memory", defaultValue = "600000",
            description = "pipeline-silent: ms after which a node not heard from is no longer part of the fleet (default ${DEFAULT-VALUE})")
    long fleetMemoryMs;

    @Option(names = "--checkpoint-interval", defaultValue = "10000", description = "ms between checkpoints (default ${DEFAULT-VALUE})")
    long checkpointIntervalMs;

    @Option(names = "--delivery", defaultValue = "at-least-once",
            description = "Kafka sink guarantee: at-least-once | exactly-once (default ${DEFAULT-VALUE})")
    String delivery;

    @Option(names = "--transactional-id-prefix", defaultValue = "dls-log-pipeline",
            description = "for --delivery exactly-once (default ${DEFAULT-VALUE})")
    String transactionalIdPrefix;

    /** The Elasticsearch password: from --es-password-file when given, else --es-password / ES_PASSWORD. */
    public String esPassword() {
        if (esPasswordFile == null) {
            return esPassword;
        }
        try {
            return Files.readString(esPasswordFile, StandardCharsets.UTF_8).replaceFirst("\\r?\\n$", "");
        } catch (IOException e) {
            // The message names the file only: never the content.
            throw new IllegalArgumentException("--es-password-file " + esPasswordFile + ": cannot read it ("
                    + e.getClass().getSimpleName() + ")");
        }
    }

    public long checkpointIntervalMs() {
        return checkpointIntervalMs;
    }

    public String topicAll() {
        return topicAll;
    }

    public String topicAlerts() {
        return topicAlerts;
    }

    public String topicDeadLetter() {
        return topicDeadLetter;
    }

    public int esParallelism() {
        return esParallelism;
    }

    public InputLimits inputLimits() {
        return new InputLimits(maxEventBytes, maxClockSkewMs);
    }

    public FleetSilence fleetSilence() {
        return FleetSilence.of(fleetSilenceThreshold, Duration.ofMillis(fleetSilenceAfterMs), fleetSilenceMinNodes,
                Duration.ofMillis(fleetMemoryMs));
    }

    public Topics topics() {
        return new Topics(topicRaw, topicAll, topicCritical, topicNodeFailure, topicAlerts, topicInvalid, criticalLevel);
    }

    public void validate() {
        inputLimits();
        if (!List.of("at-least-once", "exactly-once").contains(delivery)) {
            throw new IllegalArgumentException("--delivery must be at-least-once or exactly-once, was " + delivery);
        }
        if (!List.of("earliest", "latest", "committed-or-earliest").contains(startingOffsets)) {
            throw new IllegalArgumentException("--starting-offsets must be earliest, latest or committed-or-earliest");
        }
        for (String h : esHosts) {
            if (!h.matches("https?://[^/]+(:\\d+)?/?")) {
                throw new IllegalArgumentException("--es-hosts: '" + h + "' is not a URL like http://127.0.0.1:9200");
            }
        }
        topics();
        fleetSilence();
        if (retentionDays < 0) {
            throw new IllegalArgumentException("--retention-days must be 0 (keep every index) or more, was " + retentionDays);
        }
        esPassword(); // an unreadable password file is a configuration error, reported before submitting
    }
}
