package io.dls.launcher.demo;

import io.dls.contracts.TopicNames;
import org.apache.kafka.common.KafkaException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.time.Duration;
import java.time.ZoneId;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The original system's microservices, simulated: inventory, order, payment and shipping nodes that
 * register, heartbeat and log through a real forward client, stage an error burst and a dying node, while
 * the job's output topics are shown live as the original consoles showed them.
 */
@Command(name = "demo", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Simulated microservices (inventory, order, payment, shipping) logging through a real "
                + "forward client, with the job's output topics shown live.",
                "Stages an error burst in payment and a node (shipping-2) that goes silent, so the shipped "
                        + "alert patterns fire."})
public final class DemoCommand implements Callable<Integer> {
    /** After the run the job's output of the last events is still on its way; keep watching this long. */
    static final Duration DRAIN = Duration.ofSeconds(3);

    @Spec
    CommandSpec spec;

    @Option(names = "--forward-host", paramLabel = "HOST", defaultValue = "127.0.0.1", description = "Receiver host (default: ${DEFAULT-VALUE})")
    String forwardHost;

    @Option(names = "--forward-port", paramLabel = "PORT", defaultValue = "24224", description = "Receiver forward port (default: ${DEFAULT-VALUE})")
    int forwardPort;

    @Option(names = "--kafka-bootstrap", paramLabel = "HOST:PORT", defaultValue = "127.0.0.1:9092",
            description = "Kafka to read the job's output topics from (default: ${DEFAULT-VALUE})")
    String kafkaBootstrap;

    @Option(names = "--nodes-per-service", paramLabel = "N", defaultValue = "3", description = "Nodes of each service (default: ${DEFAULT-VALUE})")
    int nodesPerService;

    @Option(names = "--rate", paramLabel = "EVENTS_PER_S", defaultValue = "20", description = "Log events per second, all nodes together (default: ${DEFAULT-VALUE})")
    double rate;

    @Option(names = "--heartbeat-interval", paramLabel = "DURATION", defaultValue = "3s", converter = DurationConverter.class,
            description = "Time between a node's heartbeats (default: ${DEFAULT-VALUE})")
    Duration heartbeatInterval;

    @Option(names = "--burst-after", paramLabel = "DURATION", defaultValue = "20s", converter = DurationConverter.class,
            description = "When payment throws its burst of 8 ERROR logs (default: ${DEFAULT-VALUE})")
    Duration burstAfter;

    @Option(names = "--node-dies-after", paramLabel = "DURATION", defaultValue = "30s", converter = DurationConverter.class,
            description = "When shipping-2 goes silent (default: ${DEFAULT-VALUE})")
    Duration nodeDiesAfter;

    @Option(names = "--duration", paramLabel = "DURATION", defaultValue = "90s", converter = DurationConverter.class,
            description = "How long to run; 0 runs until Ctrl-C (default: ${DEFAULT-VALUE})")
    Duration duration;

    @Option(names = "--no-console", description = "Only send; print nothing but the summary")
    boolean noConsole;

    @Option(names = "--topic-all", paramLabel = "TOPIC", defaultValue = TopicNames.ALL, description = "Every event (default: ${DEFAULT-VALUE})")
    String topicAll;

    @Option(names = "--topic-critical", paramLabel = "TOPIC", defaultValue = TopicNames.CRITICAL,
            description = "Errors and alerts (default: ${DEFAULT-VALUE})")
    String topicCritical;

    @Option(names = "--topic-node-failure", paramLabel = "TOPIC", defaultValue = TopicNames.NODE_FAILURE,
            description = "Node failures and recoveries (default: ${DEFAULT-VALUE})")
    String topicNodeFailure;

    @Override
    public Integer call() throws InterruptedException {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        DemoPlan plan;
        try {
            plan = new DemoPlan(nodesPerService, rate, heartbeatInterval, burstAfter, nodeDiesAfter, duration);
        } catch (IllegalArgumentException e) {
            err.println("demo: " + e.getMessage());
            return CommandLine.ExitCode.USAGE;
        }
        Optional<String> receiverProblem = Reachability.problem(forwardHost, forwardPort);
        if (receiverProblem.isPresent()) {
            err.println("demo: cannot reach the receiver at " + forwardHost + ":" + forwardPort + " ("
                    + receiverProblem.get() + "): is ./dls up running? (or point --forward-host/--forward-port at it)");
            return 1;
        }
        boolean colour = CommandLine.Help.Ansi.AUTO.enabled();
        ConsolePrinter printer = new ConsolePrinter(out, colour, noConsole);
        EventFormatter formatter = new EventFormatter(ZoneId.systemDefault());
        ConsoleFeed feed = null;
        if (!noConsole) {
            Optional<String> kafkaProblem = Reachability.kafkaProblem(kafkaBootstrap);
            if (kafkaProblem.isPresent()) {
                err.println("demo: cannot reach Kafka at " + kafkaBootstrap + " (" + kafkaProblem.get()
                        + ") to show the job's output: is ./dls up running? (or run with --no-console to only send)");
                return 1;
            }
            feed = new ConsoleFeed(kafkaBootstrap, new ConsoleTopics(topicAll, topicCritical, topicNodeFailure),
                    formatter, printer);
            try {
                feed.start();
            } catch (KafkaException e) {
                err.println("demo: Kafka at " + kafkaBootstrap + " accepts connections but does not answer (" + e.getMessage()
                        + "): is it still starting? (or run with --no-console to only send)");
                return 1;
            }
        }
        printer.println(intro(plan), false);

        SendStats stats = new SendStats();
        StopSignal stop = new StopSignal(Duration.ofSeconds(30)).install();
        boolean interrupted = false;
        ForwardClients clients = new ForwardClients(forwardHost, forwardPort, plan.nodes(), stats, sendErrorReporter(err));
        Scenario scenario = new Scenario(plan, clients, new DemoRecords(new Random()), stats,
                text -> printer.print(new ConsoleLine(Section.DEMO, formatter.now(), "", text)), new Random());
        try {
            scenario.start();
            interrupted = stop.await(plan.duration());
        } finally {
            scenario.stop();
            // Also on Ctrl-C / SIGTERM: StopSignal's shutdown hook holds the JVM until finished() below.
            scenario.deregisterSurvivors();
            clients.close();
            if (feed != null) {
                feed.close(interrupted ? Duration.ZERO : DRAIN);
            }
            printer.println("demo: " + stats.summary() + (noConsole ? "" : "; " + printer.summary()), true);
            stop.finished();
        }
        return stats.acked.get() == stats.sent() ? 0 : 1;
    }

    private String intro(DemoPlan plan) {
        String services = String.join(", ", DemoPlan.SERVICES);
        String s = "demo: " + plan.nodes().size() + " nodes (" + services + " x" + plan.nodesPerService() + ") -> "
                + forwardHost + ":" + forwardPort + ", " + fmt(plan.rate()) + " logs/s, heartbeats every "
                + DurationConverter.format(plan.heartbeatInterval());
        if (plan.happens(plan.burstAfter())) {
            s += "; payment error burst at " + DurationConverter.format(plan.burstAfter());
        }
        if (plan.happens(plan.nodeDiesAfter())) {
            s += "; " + plan.dyingNode().id() + " dies at " + DurationConverter.format(plan.nodeDiesAfter());
        }
        s += plan.runsUntilStopped() ? "; runs until Ctrl-C" : "; runs " + DurationConverter.format(plan.duration()) + " (Ctrl-C stops early)";
        return s;
    }

    private static String fmt(double d) {
        return d == Math.rint(d) ? String.valueOf((long) d) : String.valueOf(d);
    }

    /** The first send error at once, then at most one every 10 s: Fluency retries each chunk several times. */
    private java.util.function.Consumer<Throwable> sendErrorReporter(PrintWriter err) {
        AtomicLong lastReport = new AtomicLong(Long.MIN_VALUE);
        return e -> {
            long now = System.nanoTime();
            long last = lastReport.get();
            if ((last == Long.MIN_VALUE || now - last > 10_000_000_000L) && lastReport.compareAndSet(last, now)) {
                synchronized (err) {
                    err.println("demo: sending to the receiver at " + forwardHost + ":" + forwardPort + " failed ("
                            + rootMessage(e) + "); Fluency retries. Is ./dls up still running?");
                    err.flush();
                }
            }
        };
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t.getClass().getSimpleName() + (t.getMessage() == null ? "" : ": " + t.getMessage());
    }
}
