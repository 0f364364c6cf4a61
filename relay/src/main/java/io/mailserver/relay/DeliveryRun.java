package io.mailserver.relay;

import io.mailserver.relay.client.ClientTls;
import io.mailserver.relay.client.Envelope;
import io.mailserver.relay.client.MessageContent;
import io.mailserver.relay.client.RecipientOutcome;
import io.mailserver.relay.client.SessionFailure;
import io.mailserver.relay.client.SmtpClientSession;
import io.mailserver.relay.client.SmtpTimeouts;
import io.mailserver.relay.dsn.Bouncer;
import io.mailserver.relay.dsn.DsnRecipient;
import io.mailserver.store.NotFoundException;
import io.mailserver.store.QueueEntry;
import io.mailserver.store.QueueStore;
import io.mailserver.store.QueueStore.MarkResult;
import io.mailserver.store.StoreException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The jobs of one destination, delivered one after another over as few connections as possible:
 * the route is looked up once, hops are tried in order, and a hop that fails is not tried again in
 * this run (Postfix's dead-host idea). Every recipient ends in exactly one of delivered, deferred or
 * failed; a failed one is reported to the sender before its row is marked. Outcomes are recorded only
 * while this run's claim still holds the row (see {@link Outcomes}).
 */
final class DeliveryRun implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(DeliveryRun.class);
    /** Transactions on one connection before it is renewed. */
    static final int MAX_TRANSACTIONS_PER_CONNECTION = 100;
    /** Connections to one hop that may break in a run before the hop counts as failed. */
    private static final int MAX_BREAKS_PER_HOP = 3;

    /**
     * What the run needs from its surroundings.
     * @param lease how long a claim holds (relay.lease): the run extends it by this much before it reports failures
     */
    record Context(QueueStore queue, Router router, Bouncer bouncer, RetrySchedule schedule, SmtpTimeouts timeouts, ClientTls clientTls,
                   String heloName, Clock clock, Duration lease, OutboundDkim dkim) {
    }

    private final Context ctx;
    private final Destination destination;
    private final Consumer<Long> finished;
    private RouteResult route;
    private int hopIndex;
    private int breaks;
    private SmtpClientSession session;
    private int transactions;
    private SessionFailure lastFailure;
    private boolean allFailuresPermanent = true;
    private volatile boolean aborted;

    /** @param finished told the row id of every row this run has marked (or found gone) */
    DeliveryRun(Context ctx, Destination destination, Consumer<Long> finished) {
        this.ctx = ctx;
        this.destination = destination;
        this.finished = finished;
    }

    /** Delivers (or defers, or fails) every recipient of the job. */
    void deliver(OutboundJob job) {
        MessageContent content;
        try {
            content = ctx.dkim().prepare(job.queueId, () -> ctx.queue().openContent(job.messageId));
        } catch (NotFoundException e) {
            LOG.info("{}: message deleted while queued; nothing to send", job.queueId);
            job.rows.forEach(r -> finished.accept(r.id()));
            return;
        } catch (IOException | UncheckedIOException | StoreException e) {
            Outcomes o = new Outcomes(job);
            for (QueueEntry row : job.rows) {
                o.defer(row, "none", "4.3.0", "cannot read the queued message: " + e.getMessage());
            }
            o.finish();
            return;
        }
        if (route == null) {
            route = ctx.router().resolve(destination);
        }
        Outcomes outcomes = new Outcomes(job);
        if (route instanceof RouteResult.NoRoute no) {
            for (QueueEntry row : job.rows) {
                outcomes.failOrDefer(row, no.permanent(), "none", no.status(), no.text());
            }
            outcomes.finish();
            return;
        }
        List<QueueEntry> todo = job.rows;
        boolean firstRound = true;
        while (!todo.isEmpty()) {
            SmtpClientSession s = aborted ? null : session();
            if (s == null) {
                String why = lastFailure != null ? lastFailure.getMessage() : "delivery stopped (server shutting down)";
                String status = lastFailure != null ? lastFailure.status() : "4.3.2";
                boolean permanent = lastFailure != null && allFailuresPermanent;
                for (QueueEntry row : todo) {
                    outcomes.failOrDefer(row, permanent, "none", status, why);
                }
                break;
            }
            List<String> rcpts = todo.stream().map(QueueEntry::recipient).toList();
            List<RecipientOutcome> results = s.send(new Envelope(job.sender, rcpts, content));
            transactions++;
            String relay = s.hop().toString();
            List<QueueEntry> again = new ArrayList<>();
            boolean anyDelivered = false;
            for (int i = 0; i < todo.size(); i++) {
                QueueEntry row = todo.get(i);
                RecipientOutcome o = results.get(i);
                switch (o.result()) {
                    case DELIVERED -> {
                        outcomes.delivered(row, relay, o);
                        anyDelivered = true;
                    }
                    case FAILED -> outcomes.fail(row, relay, o.status(), o.reply(), Optional.of(s.hop().hostName()));
                    case DEFERRED -> {
                        // RFC 5321 4.5.3.1.10: "452 too many recipients": send the rest in a further transaction now
                        if (firstRound && o.reply().startsWith("452") && s.usable()) {
                            again.add(row);
                        } else {
                            outcomes.defer(row, relay, o.status(), o.reply(), Optional.of(s.hop().hostName()));
                        }
                    }
                }
            }
            if (!s.usable()) {
                connectionBroke();
            }
            if (!anyDelivered) {
                for (int i = 0; i < again.size(); i++) {
                    QueueEntry row = again.get(i);
                    RecipientOutcome o = results.get(todo.indexOf(row));
                    outcomes.defer(row, relay, o.status(), o.reply(), Optional.of(s.hop().hostName()));
                }
                again = List.of();
            }
            todo = again;
            firstRound = false;
        }
        outcomes.finish();
    }

    /** The open session, or a new one to the current hop or the ones after it; null when none is left. */
    private SmtpClientSession session() {
        if (session != null && session.usable() && transactions < MAX_TRANSACTIONS_PER_CONNECTION) {
            return session;
        }
        if (session != null) {
            session.quit();
            session = null;
        }
        transactions = 0;
        List<Hop> hops = ((RouteResult.Hops) route).hops();
        while (hopIndex < hops.size() && !aborted) {
            Hop hop = hops.get(hopIndex);
            try {
                session = open(hop, true);
                return session;
            } catch (SessionFailure.TlsHandshakeFailed tlsFailed) {
                // opportunistic TLS that cannot be negotiated: this hop once more, in clear (as Postfix does)
                LOG.info("{}; trying {} again without TLS", tlsFailed.getMessage(), hop);
                try {
                    session = open(hop, false);
                    return session;
                } catch (SessionFailure f) {
                    noteFailure(hop, f);
                }
            } catch (SessionFailure f) {
                noteFailure(hop, f);
            }
        }
        return null;
    }

    private SmtpClientSession open(Hop hop, boolean useTls) throws SessionFailure {
        return SmtpClientSession.open(hop, ctx.heloName(), ctx.timeouts(), ctx.clientTls(), destination.tls(), useTls, destination.credentials());
    }

    private void noteFailure(Hop hop, SessionFailure f) {
        LOG.info("{}: {}", destination.domain(), f.getMessage());
        lastFailure = f;
        allFailuresPermanent &= f.permanent();
        hopIndex++;
        breaks = 0;
    }

    /** A connection that broke mid-way: reconnect to the same hop, unless it keeps breaking. */
    private void connectionBroke() {
        session.close();
        session = null;
        if (++breaks >= MAX_BREAKS_PER_HOP) {
            hopIndex++;
            breaks = 0;
            lastFailure = new SessionFailure("connections to " + destination.key() + " keep breaking", false, "4.4.2");
            allFailuresPermanent = false;
        }
    }

    /** Stops at the next opportunity and closes the connection (shutdown): blocked I/O then fails and the rows are deferred. */
    void abort() {
        aborted = true;
        SmtpClientSession s = session;
        if (s != null) {
            s.close();
        }
    }

    @Override
    public void close() {
        if (session != null) {
            session.quit();
            session = null;
        }
    }

    /**
     * Marks rows and writes the log line of each; failures and delay notices are reported to the sender at the end.
     * Every mark holds only while this run's claim still holds the row: a run that stalled past its lease, while
     * another runner claimed the row, records nothing and tells the sender nothing (that runner does both).
     */
    private final class Outcomes {
        /** A permanent failure waiting to be reported: the row, its part of the notice, and its log fields. */
        private record Failure(QueueEntry row, DsnRecipient recipient, String relay, String status, String text) {
        }

        private final OutboundJob job;
        private final List<Failure> failures = new ArrayList<>();
        private final List<DsnRecipient> delays = new ArrayList<>();

        Outcomes(OutboundJob job) {
            this.job = job;
        }

        void delivered(QueueEntry row, String relay, RecipientOutcome o) {
            Instant now = ctx.clock().instant();
            mark(row, o.reply(), () -> ctx.queue().markDelivered(row, o.reply()));
            // logged even when the row is no longer ours: the remote server did accept it from this run
            DeliveryLog.log(job.queueId, row.id(), row.recipient(), relay, row.createdAt(), now, row.attempts() + 1, o.status(),
                    DeliveryLog.Status.SENT, o.reply());
        }

        void failOrDefer(QueueEntry row, boolean permanent, String relay, String status, String reason) {
            if (permanent) {
                fail(row, relay, status, reason, Optional.empty());
            } else {
                defer(row, relay, status, reason);
            }
        }

        void defer(QueueEntry row, String relay, String status, String reply) {
            defer(row, relay, status, reply, Optional.empty());
        }

        void defer(QueueEntry row, String relay, String status, String reply, Optional<String> remoteMta) {
            Instant now = ctx.clock().instant();
            RetrySchedule schedule = ctx.schedule();
            if (schedule.expired(row.createdAt(), now)) {
                // given up: reported with the last temporary status and reply, as Postfix does (RFC 3463 X.4.7 is for the sender's TTL)
                fail(row, relay, status, reply, remoteMta, "message could not be delivered for " + human(schedule.lifetime()));
                return;
            }
            Instant next = schedule.nextAttempt(row.createdAt(), row.attempts() + 1, now);
            if (!mark(row, reply, () -> ctx.queue().markDeferred(row, next, reply))) {
                return;
            }
            DeliveryLog.log(job.queueId, row.id(), row.recipient(), relay, row.createdAt(), now, row.attempts() + 1, status,
                    DeliveryLog.Status.DEFERRED, reply);
            if (!job.sender.isEmpty() && schedule.delayNoticeDue(row.createdAt(), now)) {
                try {
                    if (ctx.queue().markDelayNoticeSent(row.id())) {
                        delays.add(new DsnRecipient(row.recipient(), DsnRecipient.Action.DELAYED, status, reply, remoteMta, now));
                    }
                } catch (StoreException e) {
                    LOG.warn("{}: could not record the delay notice of id={}: {}", job.queueId, row.id(), e.getMessage());
                }
            }
        }

        void fail(QueueEntry row, String relay, String status, String reply, Optional<String> remoteMta) {
            fail(row, relay, status, reply, remoteMta, "");
        }

        void fail(QueueEntry row, String relay, String status, String reply, Optional<String> remoteMta, String note) {
            Instant now = ctx.clock().instant();
            failures.add(new Failure(row, new DsnRecipient(row.recipient(), DsnRecipient.Action.FAILED, status, reply, remoteMta, now, note),
                    relay, status, note.isEmpty() ? reply : note + ": " + reply));
        }

        /**
         * Notify first, then mark: a crash in between repeats the notice rather than losing it. Only rows this run
         * still holds are reported, and their leases are extended first, so no other runner can claim them between
         * the notice and the mark (short of a stall longer than a whole lease right there).
         */
        void finish() {
            List<Failure> ours = stillOurs(failures);
            if (!ours.isEmpty()) {
                boolean notified = notifySender(ours.stream().map(Failure::recipient).toList(), Optional.empty());
                Instant now = ctx.clock().instant();
                for (Failure f : ours) {
                    QueueEntry row = f.row();
                    if (notified) {
                        if (mark(row, f.text(), () -> ctx.queue().markFailed(row, f.text()))) {
                            DeliveryLog.log(job.queueId, row.id(), row.recipient(), f.relay(), row.createdAt(), now, row.attempts() + 1, f.status(),
                                    DeliveryLog.Status.BOUNCED, f.text());
                        }
                    } else {
                        // the notice could not be stored: keep the row and try the whole thing again later
                        Instant next = ctx.schedule().nextAttempt(row.createdAt(), row.attempts() + 1, now);
                        if (mark(row, f.text(), () -> ctx.queue().markDeferred(row, next, f.text()))) {
                            DeliveryLog.log(job.queueId, row.id(), row.recipient(), f.relay(), row.createdAt(), now, row.attempts() + 1, f.status(),
                                    DeliveryLog.Status.DEFERRED, f.text() + " (bounce could not be stored)");
                        }
                    }
                }
            }
            if (!delays.isEmpty()) {
                notifySender(delays, Optional.of(ctx.schedule().expiresAt(job.queuedAt)));
            }
        }

        /** The failures whose rows this run still holds (leases extended); the others are dropped, and said so. */
        private List<Failure> stillOurs(List<Failure> all) {
            if (all.isEmpty()) {
                return all;
            }
            Set<Long> held = new HashSet<>();
            try {
                ctx.queue().confirmClaims(all.stream().map(Failure::row).toList(), ctx.lease()).forEach(r -> held.add(r.id()));
            } catch (StoreException e) {
                // unknown whether they are ours: report nothing now; the rows come back when the lease ends
                LOG.error("{}: could not confirm the claim of {} failed recipient(s), trying again after the lease: {}", job.queueId, all.size(),
                        e.getMessage());
                all.forEach(f -> finished.accept(f.row().id()));
                return List.of();
            }
            List<Failure> ours = new ArrayList<>();
            for (Failure f : all) {
                if (held.contains(f.row().id())) {
                    ours.add(f);
                } else {
                    LOG.warn("{}: id={}, to=<{}>: outcome dropped, no notice sent ({}): the row is no longer this runner's (deleted, or"
                            + " claimed by another runner after this one's lease ran out)", job.queueId, f.row().id(), f.row().recipient(), f.text());
                    finished.accept(f.row().id());
                }
            }
            return ours;
        }

        private boolean notifySender(List<DsnRecipient> recipients, Optional<Instant> willRetryUntil) {
            if (job.sender.isEmpty()) {
                return true; // RFC 5321 6.1: never a notification about a notification
            }
            try {
                ctx.bouncer().notify(new Bouncer.Original(job.queueId, job.sender, job.queuedAt, this::openOriginal), recipients, willRetryUntil,
                        ctx.clock().instant());
                return true;
            } catch (StoreException | UncheckedIOException e) {
                LOG.error("{}: could not store the delivery status notification to <{}>: {}", job.queueId, job.sender, e.getMessage());
                return false;
            }
        }

        private InputStream openOriginal() {
            try {
                return ctx.queue().openContent(job.messageId);
            } catch (NotFoundException e) {
                return InputStream.nullInputStream();
            }
        }

        /** Records an outcome; true only if the row now shows it. */
        private boolean mark(QueueEntry row, String reply, Supplier<MarkResult> update) {
            try {
                MarkResult result = update.get();
                switch (result) {
                    case ROW_GONE -> LOG.info("{}: id={} was deleted while being delivered", job.queueId, row.id());
                    case CLAIM_LOST -> LOG.warn("{}: id={}, to=<{}>: outcome dropped ({}): another runner claimed the row after this one's"
                            + " lease ran out; its outcome stands", job.queueId, row.id(), row.recipient(), reply);
                    case RECORDED -> {
                        // the usual case
                    }
                }
                return result == MarkResult.RECORDED;
            } catch (StoreException e) {
                // the row stays claimed; when its lease ends another attempt is made
                LOG.error("{}: could not record the outcome of id={}: {}", job.queueId, row.id(), e.getMessage());
                return false;
            } finally {
                finished.accept(row.id());
            }
        }
    }

    private static String human(Duration d) {
        if (d.toDays() > 0 && d.toHours() % 24 == 0) {
            return d.toDays() + "d";
        }
        if (d.toHours() > 0 && d.toMinutes() % 60 == 0) {
            return d.toHours() + "h";
        }
        if (d.toMinutes() > 0 && d.toSeconds() % 60 == 0) {
            return d.toMinutes() + "m";
        }
        return d.toSeconds() + "s";
    }
}
