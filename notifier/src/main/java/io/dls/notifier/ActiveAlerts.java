package io.dls.notifier;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;

/**
 * The alerts the notifier believes are firing, keyed by their Alertmanager label set, and what is due to
 * be posted: new and changed alerts at once, firing ones again every resend interval (Alertmanager
 * resolves an alert it stops hearing about), and resolutions once.
 *
 * <p>Every time here comes from the alerts themselves ({@code @timestamp} of the alert or of the
 * node-recovered notice), never from when the notifier read them, so replaying the topic after a restart
 * rebuilds the same state. Not thread-safe: one consumer thread owns it.
 */
public final class ActiveAlerts {

    /**
     * @param resendInterval      how often a firing alert is posted again
     * @param defaultResolveAfter how long a timer-resolved alert stays firing after the last alert of its
     *                            pattern and key, when the alert does not say ({@code alert.resolve_after_ms})
     * @param recoveryRule        the rule name of node-recovered notices
     * @param resolvedByRecovery  patterns that end with a node-recovered notice for their key, not a timer
     * @param recoveryMaxAge      how long such an alert is kept firing without a recovery notice (the job
     *                            forgets a failed node after a day too)
     * @param recoveryMemory      how long a recovery is remembered, to resolve its alert read after it
     */
    public record Settings(Duration resendInterval, Duration defaultResolveAfter, String recoveryRule,
                           Set<String> resolvedByRecovery, Duration recoveryMaxAge, Duration recoveryMemory) {
        public Settings {
            resolvedByRecovery = Set.copyOf(resolvedByRecovery);
        }

        /** Alertmanager resolves a firing alert on its own this long after the last post (as Prometheus does: 4 intervals). */
        Duration firingGrace() {
            return resendInterval.multipliedBy(4);
        }
    }

    private static final class Entry {
        AlertmanagerAlert alert;
        final String keyField;
        final String keyValue;
        final boolean byRecovery;
        Instant startsAt;
        Instant raisedAt;
        Instant resolveAt;
        /** Null while firing. */
        Instant endedAt;
        Instant nextSendAt;

        Entry(AlertmanagerAlert alert, PipelineAlert a, boolean byRecovery) {
            this.alert = alert;
            this.keyField = a.keyField();
            this.keyValue = a.keyValue();
            this.byRecovery = byRecovery;
        }
    }

    private final Settings settings;
    private final AlertMapper mapper;
    private final Map<SortedMap<String, String>, Entry> entries = new LinkedHashMap<>();
    /** key field + "\u0000" + key value -> the latest recovery notice's time. */
    private final Map<String, Instant> recoveredAt = new HashMap<>();

    public ActiveAlerts(Settings settings, AlertMapper mapper) {
        this.settings = settings;
        this.mapper = mapper;
    }

    /** Takes one record of the alerts topic into account; what it changes is posted by {@link #due}. */
    public void apply(PipelineAlert a, Instant now) {
        if (a.ruleName().equals(settings.recoveryRule())) {
            recover(a, now);
            return;
        }
        boolean byRecovery = settings.resolvedByRecovery().contains(a.ruleName());
        Instant resolveAt = a.raisedAt().plus(byRecovery
                ? settings.recoveryMaxAge()
                : a.resolveAfter().orElse(settings.defaultResolveAfter()));
        AlertmanagerAlert firing = mapper.firing(a);
        Entry e = entries.get(firing.labels());
        if (e != null && e.endedAt != null) {
            if (!a.raisedAt().isAfter(e.endedAt)) {
                return; // a copy of an alert that has ended already (at-least-once replay)
            }
            entries.remove(firing.labels()); // the condition is back: a new alert in Alertmanager
            e = null;
        }
        if (e == null) {
            e = new Entry(firing, a, byRecovery);
            e.startsAt = firing.startsAt();
            e.raisedAt = a.raisedAt();
            e.resolveAt = resolveAt;
            entries.put(firing.labels(), e);
        } else {
            e.alert = firing; // the latest annotations
            e.startsAt = AlertMapper.earlier(e.startsAt, firing.startsAt());
            e.raisedAt = later(e.raisedAt, a.raisedAt());
            e.resolveAt = later(e.resolveAt, resolveAt);
        }
        Instant recovered = recoveredAt.get(recoveryKey(e.keyField, e.keyValue));
        if (byRecovery && recovered != null && !e.raisedAt.isAfter(recovered)) {
            e.endedAt = later(e.startsAt, recovered); // its recovery was read first
        } else if (!e.resolveAt.isAfter(now)) {
            e.endedAt = later(e.startsAt, e.resolveAt);
        }
        e.nextSendAt = now;
    }

    private void recover(PipelineAlert notice, Instant now) {
        Instant at = notice.raisedAt();
        recoveredAt.merge(recoveryKey(notice.keyField(), notice.keyValue()), at, ActiveAlerts::later);
        for (Entry e : entries.values()) {
            if (e.byRecovery && e.endedAt == null && e.keyField.equals(notice.keyField())
                    && e.keyValue.equals(notice.keyValue()) && !e.raisedAt.isAfter(at)) {
                e.endedAt = later(e.startsAt, at);
                e.nextSendAt = now;
            }
        }
    }

    /**
     * What should be posted now: alerts whose timer ran out become resolutions; firing alerts go with
     * {@code endsAt} at their resolve time or a few resend intervals ahead, whichever is first.
     */
    public List<AlertmanagerAlert> due(Instant now) {
        recoveredAt.values().removeIf(t -> t.isBefore(now.minus(settings.recoveryMemory())));
        List<AlertmanagerAlert> out = new ArrayList<>();
        for (Entry e : entries.values()) {
            if (e.endedAt == null && !e.resolveAt.isAfter(now)) {
                e.endedAt = later(e.startsAt, e.resolveAt);
                e.nextSendAt = now;
            }
            if (!e.nextSendAt.isAfter(now)) {
                out.add(payload(e, now));
            }
        }
        return out;
    }

    private AlertmanagerAlert payload(Entry e, Instant now) {
        if (e.endedAt != null) {
            return e.alert.withTimes(e.startsAt, e.endedAt);
        }
        Instant grace = now.plus(settings.firingGrace());
        return e.alert.withTimes(e.startsAt, e.resolveAt.isBefore(grace) ? e.resolveAt : grace);
    }

    /**
     * After every Alertmanager took {@code sent} (or refused some of it for good): resolutions are done
     * with, firing alerts wait for their next resend, refused ones are dropped (they would be refused again).
     */
    public void delivered(Collection<AlertmanagerAlert> sent, Set<SortedMap<String, String>> refused, Instant now) {
        for (AlertmanagerAlert a : sent) {
            Entry e = entries.get(a.labels());
            if (e == null) {
                continue;
            }
            if (e.endedAt != null || refused.contains(a.labels())) {
                entries.remove(a.labels());
            } else {
                e.nextSendAt = now.plus(settings.resendInterval());
            }
        }
    }

    /**
     * After replaying the look-back at start: alerts that ended in it are forgotten (Alertmanager had them
     * with an {@code endsAt} that has passed, or never had them), and every firing one is posted now.
     */
    public void afterReplay(Instant now) {
        due(now);
        entries.values().removeIf(e -> e.endedAt != null);
        entries.values().forEach(e -> e.nextSendAt = now);
    }

    /** When the next post is due, for the consumer's poll timeout; null when nothing is active. */
    public Instant nextDue() {
        Instant next = null;
        for (Entry e : entries.values()) {
            Instant t = e.endedAt == null && e.resolveAt.isBefore(e.nextSendAt) ? e.resolveAt : e.nextSendAt;
            next = next == null || t.isBefore(next) ? t : next;
        }
        return next;
    }

    public int firingCount() {
        int n = 0;
        for (Entry e : entries.values()) {
            if (e.endedAt == null) {
                n++;
            }
        }
        return n;
    }

    /** Label sets of the firing alerts, for logs and tests. */
    public List<SortedMap<String, String>> firing() {
        List<SortedMap<String, String>> out = new ArrayList<>();
        for (Iterator<Entry> it = entries.values().iterator(); it.hasNext(); ) {
            Entry e = it.next();
            if (e.endedAt == null) {
                out.add(e.alert.labels());
            }
        }
        return out;
    }

    private static String recoveryKey(String field, String value) {
        return field + "\u0000" + value;
    }

    private static Instant later(Instant a, Instant b) {
        return a.isAfter(b) ? a : b;
    }
}
