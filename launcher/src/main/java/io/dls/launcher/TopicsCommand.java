package io.dls.launcher;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import io.dls.contracts.TopicNames;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

/**
 * Creates the pipeline's topics before the receiver writes to them: a broker would otherwise auto-create
 * {@code logs.raw} with one partition on the first event, and the job fails on a missing input topic.
 */
@Command(name = "topics", description = "Create the topics that are missing (existing ones are left as they are)")
public final class TopicsCommand implements Callable<Integer> {
    @Option(names = "--kafka-bootstrap", defaultValue = "127.0.0.1:9092")
    String bootstrap;

    @Option(names = "--partitions", defaultValue = "3")
    int partitions;

    // The receiver publishes events up to its chunk_size_limit; the broker's ~1 MiB default refuses more.
    @Option(names = "--max-message-bytes", defaultValue = "0",
            description = "max.message.bytes of the topics created (0: the broker's default)")
    long maxMessageBytes;

    @Parameters(arity = "0..*", paramLabel = "TOPIC", description = "default: every topic of the system (TopicNames)")
    List<String> topics = new ArrayList<>(TopicNames.CREATED_BY_DLS);

    @Override
    public Integer call() throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 60_000))) {
            Set<String> existing = admin.listTopics().names().get(60, TimeUnit.SECONDS);
            List<NewTopic> missing = new ArrayList<>();
            for (String t : topics) {
                if (!existing.contains(t)) {
                    NewTopic topic = new NewTopic(t, partitions, (short) 1);
                    missing.add(maxMessageBytes > 0
                            ? topic.configs(Map.of("max.message.bytes", Long.toString(maxMessageBytes))) : topic);
                }
            }
            if (!missing.isEmpty()) {
                admin.createTopics(missing).all().get(60, TimeUnit.SECONDS);
            }
            System.out.println("topics: " + missing.size() + " created, " + (topics.size() - missing.size()) + " already there");
        }
        return 0;
    }
}
