package io.dls.notifier;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Everything the notifier is told; built by {@link NotifierMain} from its options, or directly by tests.
 *
 * @param kafkaProperties extra Kafka consumer properties (SASL, SSL, ...)
 * @param lookBack        how far back the alerts topic is replayed at start to rebuild the active alerts
 */
public record NotifierConfig(
        String bootstrapServers,
        Map<String, String> kafkaProperties,
        String topic,
        String groupId,
        List<String> alertmanagerUrls,
        String kibanaUrl,
        String kibanaIndexPattern,
        Duration resendInterval,
        Duration defaultResolveAfter,
        String recoveryRule,
        Set<String> resolvedByRecovery,
        Duration recoveryMaxAge,
        Duration lookBack,
        Duration retryInitial,
        Duration retryMax,
        Duration requestTimeout) {

    public NotifierConfig {
        kafkaProperties = Map.copyOf(kafkaProperties);
        alertmanagerUrls = List.copyOf(alertmanagerUrls);
        resolvedByRecovery = Set.copyOf(resolvedByRecovery);
        if (alertmanagerUrls.isEmpty()) {
            throw new IllegalArgumentException("at least one Alertmanager URL is needed");
        }
        if (resendInterval.isZero() || resendInterval.isNegative()) {
            throw new IllegalArgumentException("resend interval must be positive");
        }
    }

    public static final String DEFAULT_TOPIC = "alerts";
    public static final String DEFAULT_GROUP = "dls-notifier";

    /** The defaults of the command line, for the given brokers and Alertmanagers. */
    public static NotifierConfig defaults(String bootstrap, List<String> alertmanagers) {
        return new NotifierConfig(bootstrap, Map.of(), DEFAULT_TOPIC, DEFAULT_GROUP, alertmanagers,
                "http://127.0.0.1:5601", "dls-logs", Duration.ofMinutes(1), Duration.ofMinutes(5),
                "node-recovered", Set.of("heartbeat-timeout", "node-down"), Duration.ofHours(24),
                Duration.ofHours(24), Duration.ofMillis(250), Duration.ofSeconds(5), Duration.ofSeconds(10));
    }

    public NotifierConfig withTopic(String t, String group) {
        return new NotifierConfig(bootstrapServers, kafkaProperties, t, group, alertmanagerUrls, kibanaUrl,
                kibanaIndexPattern, resendInterval, defaultResolveAfter, recoveryRule, resolvedByRecovery,
                recoveryMaxAge, lookBack, retryInitial, retryMax, requestTimeout);
    }

    public NotifierConfig withTimes(Duration resend, Duration resolveAfter, Duration lookBackWindow) {
        return new NotifierConfig(bootstrapServers, kafkaProperties, topic, groupId, alertmanagerUrls, kibanaUrl,
                kibanaIndexPattern, resend, resolveAfter, recoveryRule, resolvedByRecovery,
                recoveryMaxAge, lookBackWindow, retryInitial, retryMax, requestTimeout);
    }

    ActiveAlerts.Settings alertSettings() {
        return new ActiveAlerts.Settings(resendInterval, defaultResolveAfter, recoveryRule, resolvedByRecovery,
                recoveryMaxAge, lookBack);
    }
}
