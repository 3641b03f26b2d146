package io.dls.notifier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.function.Supplier;

/**
 * Gets a batch of alerts into every configured Alertmanager. An attempt posts to each Alertmanager that
 * does not have the batch yet; the caller waits {@link Attempt#nextDelay()} (backing off exponentially)
 * between attempts, for as long as it takes. An alert one Alertmanager refuses (4xx) is logged, counted
 * and left out: its content is wrong and would be refused forever.
 */
public final class Delivery {
    private static final Logger LOG = LoggerFactory.getLogger(Delivery.class);
    /** While an Alertmanager is down: one log line a minute, not one a try. */
    static final Duration LOG_EVERY = Duration.ofMinutes(1);

    private final List<AlertmanagerClient> clients;
    private final Duration initialBackoff;
    private final Duration maxBackoff;
    private final Stats stats;
    private final Supplier<Instant> clock;
    private final Map<AlertmanagerClient, Outage> outages = new LinkedHashMap<>();

    public Delivery(List<AlertmanagerClient> clients, Duration initialBackoff, Duration maxBackoff, Stats stats,
                    Supplier<Instant> clock) {
        this.clients = List.copyOf(clients);
        this.initialBackoff = initialBackoff;
        this.maxBackoff = maxBackoff;
        this.stats = stats;
        this.clock = clock;
    }

    public Attempt start(List<AlertmanagerAlert> batch) {
        return new Attempt(batch);
    }

    /** Per Alertmanager: since when it fails, how often, when we last said so. */
    private static final class Outage {
        Instant since;
        Instant lastLogged;
        long tries;
    }

    public final class Attempt {
        private final Map<AlertmanagerClient, List<AlertmanagerAlert>> remaining = new LinkedHashMap<>();
        private final Set<SortedMap<String, String>> refused = new HashSet<>();
        private int failures;

        private Attempt(List<AlertmanagerAlert> batch) {
            for (AlertmanagerClient c : clients) {
                remaining.put(c, new ArrayList<>(batch));
            }
        }

        /** A new attempt for a new batch that keeps this one's backoff. */
        public Attempt with(List<AlertmanagerAlert> newBatch) {
            Attempt a = new Attempt(newBatch);
            a.failures = failures;
            return a;
        }

        /** Label sets some Alertmanager refused for good. */
        public Set<SortedMap<String, String>> refused() {
            return refused;
        }

        /** Posts to every Alertmanager that still lacks the batch; true once none does. */
        public boolean tryOnce() {
            boolean allDone = true;
            for (Map.Entry<AlertmanagerClient, List<AlertmanagerAlert>> r : remaining.entrySet()) {
                List<AlertmanagerAlert> left = r.getValue();
                if (!left.isEmpty() && !postTo(r.getKey(), left)) {
                    allDone = false;
                }
            }
            if (!allDone) {
                failures++;
            }
            return allDone;
        }

        /** Exponential backoff from the initial delay up to the maximum. */
        public Duration nextDelay() {
            int shift = Math.min(Math.max(failures - 1, 0), 20);
            Duration d = initialBackoff.multipliedBy(1L << shift);
            return d.compareTo(maxBackoff) > 0 ? maxBackoff : d;
        }

        /** Removes from {@code left} what the Alertmanager took or refused; true when nothing is left. */
        private boolean postTo(AlertmanagerClient c, List<AlertmanagerAlert> left) {
            AlertmanagerClient.Outcome o = c.post(left);
            if (o instanceof AlertmanagerClient.Accepted) {
                stats.posted(left.size());
                left.clear();
                back(c);
                return true;
            }
            if (o instanceof AlertmanagerClient.Failed f) {
                down(c, f.reason(), left.size());
                return false;
            }
            AlertmanagerClient.Refused refusal = (AlertmanagerClient.Refused) o;
            back(c);
            if (left.size() == 1) {
                refuse(c, left.get(0), refusal);
                left.clear();
                return true;
            }
            // Alertmanager refuses the whole array for one bad alert: find it by posting one at a time.
            while (!left.isEmpty()) {
                AlertmanagerAlert a = left.get(0);
                AlertmanagerClient.Outcome one = c.post(List.of(a));
                if (one instanceof AlertmanagerClient.Failed f) {
                    down(c, f.reason(), left.size());
                    return false;
                }
                if (one instanceof AlertmanagerClient.Refused r1) {
                    refuse(c, a, r1);
                } else {
                    stats.posted(1);
                }
                left.remove(0);
            }
            return true;
        }

        private void refuse(AlertmanagerClient c, AlertmanagerAlert a, AlertmanagerClient.Refused r) {
            refused.add(a.labels());
            stats.refused();
            LOG.error("alertmanager {} refused alert {} for good (HTTP {}: {}); skipped, not retried",
                    c.name(), a.name(), r.status(), r.body());
        }
    }

    private void down(AlertmanagerClient c, String reason, int pending) {
        stats.postFailed();
        Instant now = clock.get();
        Outage o = outages.computeIfAbsent(c, k -> new Outage());
        o.tries++;
        if (o.since == null) {
            o.since = now;
            o.lastLogged = now;
            LOG.warn("alertmanager {} unreachable ({}); {} alert(s) held, retrying with backoff up to {}; "
                    + "Kafka offsets are not committed until it takes them", c.name(), reason, pending, maxBackoff);
        } else if (!now.isBefore(o.lastLogged.plus(LOG_EVERY))) {
            o.lastLogged = now;
            LOG.warn("alertmanager {} still unreachable after {} s and {} tries ({}); {} alert(s) held",
                    c.name(), Duration.between(o.since, now).toSeconds(), o.tries, reason, pending);
        }
    }

    private void back(AlertmanagerClient c) {
        Outage o = outages.get(c);
        if (o != null && o.since != null) {
            LOG.info("alertmanager {} is back after {} s and {} failed tries", c.name(),
                    Duration.between(o.since, clock.get()).toSeconds(), o.tries);
            outages.remove(c);
        }
    }
}
