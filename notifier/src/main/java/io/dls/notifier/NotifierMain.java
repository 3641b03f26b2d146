package io.dls.notifier;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** {@code java -jar notifier.jar [options]}: the alerts topic to Prometheus Alertmanager. */
@Command(name = "notifier", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Reads the Kafka topic of alerts and posts them to Prometheus Alertmanager (API v2): "
                + "re-sends the active ones, resolves them when their condition ends.")
public final class NotifierMain implements Callable<Integer> {

    @Option(names = "--bootstrap-servers", defaultValue = "127.0.0.1:9092", description = "Kafka brokers (default: ${DEFAULT-VALUE})")
    String bootstrap;

    @Option(names = "--kafka-property", paramLabel = "KEY=VALUE", description = "any Kafka consumer property (SASL, SSL); repeatable")
    Map<String, String> kafkaProperties = new LinkedHashMap<>();

    @Option(names = "--topic", defaultValue = NotifierConfig.DEFAULT_TOPIC, description = "topic of alerts (default: ${DEFAULT-VALUE})")
    String topic;

    @Option(names = "--group", defaultValue = NotifierConfig.DEFAULT_GROUP, description = "consumer group (default: ${DEFAULT-VALUE})")
    String group;

    @Option(names = "--alertmanager-url", paramLabel = "URL", split = ",",
            description = "Alertmanager base URL; repeat (or separate by commas) for an HA pair: every one gets every alert (default: http://127.0.0.1:9093)")
    List<String> alertmanagers = new ArrayList<>();

    @Option(names = "--kibana-url", defaultValue = "http://127.0.0.1:5601", description = "base of the generatorURL links (default: ${DEFAULT-VALUE})")
    String kibanaUrl;

    @Option(names = "--kibana-index-pattern", defaultValue = "dls-logs", description = "Kibana index pattern id for the links (default: ${DEFAULT-VALUE})")
    String kibanaIndexPattern;

    @Option(names = "--resend-interval", defaultValue = "1m", converter = DurationConverter.class,
            description = "post firing alerts again this often (default: ${DEFAULT-VALUE})")
    Duration resendInterval;

    @Option(names = "--resolve-after", defaultValue = "5m", converter = DurationConverter.class,
            description = "a timer-resolved alert (error burst, fatal, ...) ends this long after the last one of its pattern and key, unless the alert carries alert.resolve_after_ms (default: ${DEFAULT-VALUE})")
    Duration resolveAfter;

    @Option(names = "--recovery-rule", defaultValue = "node-recovered", description = "rule name of the recovery notices (default: ${DEFAULT-VALUE})")
    String recoveryRule;

    @Option(names = "--resolved-by-recovery", split = ",", defaultValue = "heartbeat-timeout,node-down,pipeline-silent",
            description = "patterns that end with a recovery notice for their key instead of a timer (default: ${DEFAULT-VALUE})")
    List<String> resolvedByRecovery;

    @Option(names = "--recovery-max-age", defaultValue = "24h", converter = DurationConverter.class,
            description = "such an alert is resolved anyway this long after it was raised (default: ${DEFAULT-VALUE})")
    Duration recoveryMaxAge;

    @Option(names = "--look-back", defaultValue = "24h", converter = DurationConverter.class,
            description = "at start, replay the topic this far back to rebuild the active alerts (default: ${DEFAULT-VALUE})")
    Duration lookBack;

    @Option(names = "--retry-initial", defaultValue = "250ms", converter = DurationConverter.class,
            description = "first wait after a failed post (default: ${DEFAULT-VALUE})")
    Duration retryInitial;

    @Option(names = "--retry-max", defaultValue = "5s", converter = DurationConverter.class,
            description = "longest wait between tries; doubles up to it (default: ${DEFAULT-VALUE})")
    Duration retryMax;

    @Option(names = "--request-timeout", defaultValue = "10s", converter = DurationConverter.class,
            description = "connect and answer timeout of one post (default: ${DEFAULT-VALUE})")
    Duration requestTimeout;

    @Override
    public Integer call() throws Exception {
        NotifierConfig cfg = config();
        Notifier notifier = new Notifier(cfg);
        Thread loop = new Thread(notifier, "notifier");
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                notifier.close();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                // Log4j's own hook is off (log4j2.xml): it would stop logging before the notifier's last line.
                org.apache.logging.log4j.LogManager.shutdown();
            }
        }, "notifier-shutdown"));
        org.slf4j.LoggerFactory.getLogger(NotifierMain.class).info(
                "notifier: topic {} group {} on {} -> {}; resend {}, resolve-after {}, look-back {}",
                cfg.topic(), cfg.groupId(), cfg.bootstrapServers(), cfg.alertmanagerUrls(), cfg.resendInterval(),
                cfg.defaultResolveAfter(), cfg.lookBack());
        loop.start();
        loop.join();
        // Non-zero when the loop died (Kafka refused our credentials, ...): a supervisor restarts it.
        return notifier.failure().isPresent() ? 1 : 0;
    }

    NotifierConfig config() {
        List<String> ams = alertmanagers.isEmpty() ? List.of("http://127.0.0.1:9093") : alertmanagers;
        return new NotifierConfig(bootstrap, kafkaProperties, topic, group, ams, kibanaUrl, kibanaIndexPattern,
                resendInterval, resolveAfter, recoveryRule, Set.copyOf(resolvedByRecovery), recoveryMaxAge,
                lookBack, retryInitial, retryMax, requestTimeout);
    }

    /** 250ms, 10s, 5m, 24h, 2d, or ISO-8601 (PT5M). */
    static final class DurationConverter implements CommandLine.ITypeConverter<Duration> {
        private static final Pattern SIMPLE = Pattern.compile("(\\d+)\\s*(ms|s|m|h|d)");

        @Override
        public Duration convert(String value) {
            String v = value.trim().toLowerCase(Locale.ROOT);
            Matcher m = SIMPLE.matcher(v);
            if (m.matches()) {
                long n = Long.parseLong(m.group(1));
                return switch (m.group(2)) {
                    case "ms" -> Duration.ofMillis(n);
                    case "s" -> Duration.ofSeconds(n);
                    case "m" -> Duration.ofMinutes(n);
                    case "h" -> Duration.ofHours(n);
                    default -> Duration.ofDays(n);
                };
            }
            try {
                return Duration.parse(value.trim());
            } catch (RuntimeException e) {
                throw new CommandLine.TypeConversionException("'" + value + "' is not a duration (250ms, 10s, 5m, 24h, PT5M)");
            }
        }
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new NotifierMain()).execute(args));
    }
}
