package io.dls.launcher.demo;

import java.util.concurrent.atomic.AtomicLong;

/** What the demo handed to its forward clients, by kind, and how many events the receiver acknowledged. */
final class SendStats {
    final AtomicLong registrations = new AtomicLong();
    final AtomicLong heartbeats = new AtomicLong();
    final AtomicLong logs = new AtomicLong();
    final AtomicLong burstErrors = new AtomicLong();
    final AtomicLong deregistrations = new AtomicLong();
    final AtomicLong acked = new AtomicLong();
    final AtomicLong sendErrors = new AtomicLong();

    long sent() {
        return registrations.get() + heartbeats.get() + logs.get() + burstErrors.get() + deregistrations.get();
    }

    String summary() {
        long sent = sent();
        long acks = acked.get();
        String s = "sent " + sent + " events (" + registrations + " registrations, " + heartbeats + " heartbeats, "
                + logs + " logs, " + burstErrors + " burst errors, " + deregistrations + " deregistrations), acked " + acks;
        if (acks < sent) {
            s += " (" + (sent - acks) + " not acknowledged" + (sendErrors.get() > 0 ? ", " + sendErrors + " send errors" : "") + ")";
        }
        return s;
    }
}
