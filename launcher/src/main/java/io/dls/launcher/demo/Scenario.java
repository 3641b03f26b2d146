package io.dls.launcher.demo;

import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.random.RandomGenerator;

/**
 * The demo's timeline: every node registers, then heartbeats and logs until the end; at
 * {@code burstAfter} the payment service throws an error burst; at {@code nodeDiesAfter} one shipping node
 * goes silent, as a crashed process would (no goodbye, no DOWN status: it is the heartbeat-timeout
 * pattern's job to notice). Everything runs on one scheduler thread, so once the death task has run no
 * later task can emit for that node. When the run ends (deadline, Ctrl-C or SIGTERM) the nodes still alive
 * deregister: they stop on purpose, so the job raises no heartbeat-timeout for them, while the node that
 * died still alerts.
 */
final class Scenario {
    /** Logs are emitted on a 50 ms tick, as many as the rate owes by then, so any rate works. */
    private static final long TICK_MS = 50;

    private final DemoPlan plan;
    private final ForwardClients clients;
    private final DemoRecords records;
    private final SendStats stats;
    private final Consumer<String> narrate;
    private final RandomGenerator random;
    private final List<Node> nodes;
    private final Set<Node> dead = ConcurrentHashMap.newKeySet();
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "demo-scenario");
        t.setDaemon(true);
        return t;
    });
    private long startNanos;
    private long logsEmitted;

    Scenario(DemoPlan plan, ForwardClients clients, DemoRecords records, SendStats stats, Consumer<String> narrate,
             RandomGenerator random) {
        this.plan = plan;
        this.clients = clients;
        this.records = records;
        this.stats = stats;
        this.narrate = narrate;
        this.random = random;
        this.nodes = plan.nodes();
    }

    void start() {
        startNanos = System.nanoTime();
        timer.execute(this::registerAll);
        long hb = plan.heartbeatInterval().toMillis();
        for (int i = 0; i < nodes.size(); i++) {
            Node n = nodes.get(i);
            // Spread the nodes' heartbeats over the interval, as independent processes would be.
            long offset = hb * (i + 1) / nodes.size();
            timer.scheduleAtFixedRate(() -> heartbeat(n), offset, hb, TimeUnit.MILLISECONDS);
        }
        if (plan.rate() > 0) {
            timer.scheduleAtFixedRate(this::logTick, TICK_MS, TICK_MS, TimeUnit.MILLISECONDS);
        }
        if (plan.happens(plan.burstAfter())) {
            scheduleBurst();
        }
        if (plan.happens(plan.nodeDiesAfter())) {
            timer.schedule(this::killNode, plan.nodeDiesAfter().toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    private void registerAll() {
        for (Node n : nodes) {
            clients.emit(n, DemoRecords.registration(n));
            stats.registrations.incrementAndGet();
        }
    }

    private void heartbeat(Node n) {
        if (!dead.contains(n)) {
            clients.emit(n, DemoRecords.heartbeat(n));
            stats.heartbeats.incrementAndGet();
        }
    }

    private void logTick() {
        double elapsed = (System.nanoTime() - startNanos) / 1e9;
        long owed = (long) (plan.rate() * elapsed) - logsEmitted;
        List<Node> alive = nodes.stream().filter(n -> !dead.contains(n)).toList();
        for (long i = 0; i < owed && !alive.isEmpty(); i++) {
            Node n = alive.get(random.nextInt(alive.size()));
            clients.emit(n, records.log(n));
            stats.logs.incrementAndGet();
        }
        logsEmitted += Math.max(owed, 0);
    }

    private void scheduleBurst() {
        List<Node> payment = plan.burstNodes();
        long at = plan.burstAfter().toMillis();
        long step = DemoPlan.BURST_SPAN.toMillis() / DemoPlan.BURST_SIZE;
        timer.schedule(() -> narrate.accept(DemoPlan.BURST_SERVICE + " throws an error burst: " + DemoPlan.BURST_SIZE
                        + " ERROR logs within " + DurationConverter.format(DemoPlan.BURST_SPAN)
                        + " (alert error-burst fires at 5 per service within 30s)"),
                at, TimeUnit.MILLISECONDS);
        for (int i = 0; i < DemoPlan.BURST_SIZE; i++) {
            Node n = payment.get(i % payment.size());
            timer.schedule(() -> {
                clients.emit(n, records.burstError(n));
                stats.burstErrors.incrementAndGet();
            }, at + i * step, TimeUnit.MILLISECONDS);
        }
    }

    private void killNode() {
        Node n = plan.dyingNode();
        dead.add(n);
        // What it emitted before dying still goes out, as a crashed process's last packets would.
        clients.flush(n);
        narrate.accept(n.id() + " dies: no more heartbeats or logs from it (alert heartbeat-timeout fires after 15s of silence)");
    }

    /**
     * After {@link #stop()}: every node still alive says it leaves, as a service shutting down cleanly
     * would. The dead node says nothing: its silence is the incident the demo stages.
     */
    void deregisterSurvivors() {
        List<Node> alive = nodes.stream().filter(n -> !dead.contains(n)).toList();
        for (Node n : alive) {
            clients.emit(n, DemoRecords.deregistration(n));
            stats.deregistrations.incrementAndGet();
        }
        narrate.accept(alive.size() + " nodes deregister: the demo stops them on purpose (no heartbeat-timeout for them)");
    }

    /** Stops the timeline; the timeline emits nothing after this returns. */
    void stop() {
        timer.shutdownNow();
        try {
            if (!timer.awaitTermination(5, TimeUnit.SECONDS)) {
                narrate.accept("scenario did not stop within 5s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
