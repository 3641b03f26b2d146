package io.dls.job.index;

import java.io.Serializable;
import java.util.Map;

/**
 * What each Elasticsearch writer of the index job needs besides the connector's own settings.
 *
 * @param kafka          Kafka client properties (bootstrap servers, security) for the dead-letter producer
 * @param deadLetterTopic where documents Elasticsearch refused for good go
 * @param esBaseUrl      the first Elasticsearch URL: templates and retention are plain HTTP calls there
 * @param esUsername     basic auth user, or null
 * @param esPassword     basic auth password, or null
 * @param retentionDays  daily logs-* indices older than this many days are deleted; 0 keeps every index
 */
public record IndexSettings(Map<String, String> kafka, String deadLetterTopic, String esBaseUrl, String esUsername,
                            String esPassword, int retentionDays) implements Serializable {
    public IndexSettings {
        kafka = Map.copyOf(kafka);
        if (deadLetterTopic == null || deadLetterTopic.isBlank()) {
            throw new IllegalArgumentException("the dead-letter topic must be named");
        }
        if (retentionDays < 0) {
            throw new IllegalArgumentException("retention days must be 0 (keep every index) or more, was " + retentionDays);
        }
    }

    @Override
    public String toString() {
        return "IndexSettings{deadLetterTopic=" + deadLetterTopic + ", es=" + esBaseUrl + ", user=" + esUsername
                + ", retentionDays=" + retentionDays + "}"; // never the password
    }
}
