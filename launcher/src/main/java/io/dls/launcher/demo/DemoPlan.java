package io.dls.launcher.demo;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * What the demo does and when: the services and their nodes, the log rate, the heartbeat period, and the
 * two incidents it stages (an error burst in {@value #BURST_SERVICE}, then a node that goes silent). The
 * incidents are fixed so the shipped alert patterns (error-burst, heartbeat-timeout) have something to
 * find; only their times are options.
 *
 * @param duration zero means until stopped (Ctrl-C / SIGTERM)
 */
public record DemoPlan(int nodesPerService, double rate, Duration heartbeatInterval, Duration burstAfter,
                       Duration nodeDiesAfter, Duration duration) {
    public static final List<String> SERVICES = List.of("inventory", "order", "payment", "shipping");
    public static final String BURST_SERVICE = "payment";
    /** 8 errors, more than error-burst's 5 within 30 s, spread over 2 s like a real outage. */
    public static final int BURST_SIZE = 8;
    public static final Duration BURST_SPAN = Duration.ofSeconds(2);
    public static final String DYING_SERVICE = "shipping";

    public DemoPlan {
        if (nodesPerService < 1) {
            throw new IllegalArgumentException("--nodes-per-service must be at least 1, was " + nodesPerService);
        }
        if (rate < 0 || Double.isNaN(rate) || Double.isInfinite(rate)) {
            throw new IllegalArgumentException("--rate must be 0 or more events per second, was " + rate);
        }
        if (heartbeatInterval.isZero() || heartbeatInterval.isNegative()) {
            throw new IllegalArgumentException("--heartbeat-interval must be more than 0");
        }
    }

    public List<Node> nodes() {
        List<Node> nodes = new ArrayList<>();
        for (String s : SERVICES) {
            for (int i = 1; i <= nodesPerService; i++) {
                nodes.add(Node.of(s, i));
            }
        }
        return List.copyOf(nodes);
    }

    /** shipping-2, or shipping-1 when each service has a single node. */
    public Node dyingNode() {
        return Node.of(DYING_SERVICE, Math.min(2, nodesPerService));
    }

    public List<Node> burstNodes() {
        return nodes().stream().filter(n -> n.service().equals(BURST_SERVICE)).toList();
    }

    public boolean runsUntilStopped() {
        return duration.isZero();
    }

    /** An incident is staged only if it falls inside the run. */
    public boolean happens(Duration at) {
        return runsUntilStopped() || at.compareTo(duration) < 0;
    }
}
