package io.dls.job.route;

import java.io.Serializable;
import java.time.Duration;

/**
 * When the silence of many nodes at once is one {@code pipeline-silent} alert instead of one alert per node:
 * more than {@code threshold} of the nodes heard within {@code memory} have been silent for
 * {@code silentAfter}, and their last heartbeats fall within one {@code silentAfter} of each other (they
 * stopped together: the receiver, the network or Kafka is down, not the nodes).
 *
 * @param threshold   fraction of the fleet, 0 to 1 (exclusive); 1 or more turns the alert off
 * @param silentAfter a node is silent when nothing came from it this long (the heartbeat-timeout window)
 * @param minNodes    fewer nodes than this are not a fleet: their silences stay per-node alerts
 * @param memory      a node not heard from this long (outside an incident) no longer counts
 * @param repeat      how often the alert is raised again while it lasts, so its consumers keep it active
 * @param check       how often the fleet is looked at
 */
public record FleetSilence(double threshold, Duration silentAfter, int minNodes, Duration memory, Duration repeat,
                           Duration check) implements Serializable {
    public static final String PATTERN = "pipeline-silent";
    /** The alert's key field: the notifier makes it the label {@code pipeline}. */
    public static final String KEY_FIELD = "pipeline";

    public FleetSilence {
        if (!(threshold > 0)) {
            throw new IllegalArgumentException("fleet silence threshold must be more than 0 (1 turns it off), was " + threshold);
        }
        if (minNodes < 1) {
            throw new IllegalArgumentException("fleet silence min nodes must be at least 1, was " + minNodes);
        }
        for (Duration d : new Duration[] {silentAfter, memory, repeat, check}) {
            if (d.isZero() || d.isNegative()) {
                throw new IllegalArgumentException("fleet silence durations must be positive, was " + d);
            }
        }
        if (memory.compareTo(silentAfter) <= 0) {
            throw new IllegalArgumentException("fleet memory (" + memory + ") must be longer than the silence ("
                    + silentAfter + ")");
        }
    }

    /** More than half of the fleet silent for the heartbeat-timeout window (15 s), fleet of 3 or more. */
    public static FleetSilence defaults() {
        return of(0.5, Duration.ofSeconds(15), 3, Duration.ofMinutes(10));
    }

    /** Re-raised every 30 s; looked at every second (or a fifth of the silence, when shorter). */
    public static FleetSilence of(double threshold, Duration silentAfter, int minNodes, Duration memory) {
        Duration check = silentAfter.dividedBy(5).compareTo(Duration.ofSeconds(1)) < 0
                ? silentAfter.dividedBy(5) : Duration.ofSeconds(1);
        return new FleetSilence(threshold, silentAfter, minNodes, memory, Duration.ofSeconds(30),
                check.isZero() ? Duration.ofMillis(1) : check);
    }

    public boolean enabled() {
        return threshold < 1;
    }

    /** When the notifier should count the alert as over if it stops hearing about it (a few repeats). */
    public Duration resolveAfter() {
        return repeat.multipliedBy(3);
    }
}
