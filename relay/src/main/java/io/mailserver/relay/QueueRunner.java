package io.mailserver.relay;

import io.mailserver.config.HostPort;
import io.mailserver.store.MailAddress;
import io.mailserver.store.QueueEntry;
import io.mailserver.store.QueueStore;
import io.mailserver.store.StoreException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Carries queued mail to other servers. One loop thread claims due rows with a lease (so two
 * runners on one database never send the same recipient twice, and a crashed runner's rows come
 * back when the lease ends), sorts them by destination and starts delivery runs on a pool of
 * blocking threads: at most {@code relay.concurrency} at once and
 * {@code relay.concurrency-per-destination} per destination. A destination that already has enough
 * work waiting is left out of the next claim, so a slow one does not hold up the others. The loop
 * renews the leases of everything it holds, wakes every poll interval (more often while it holds
 * rows, so that renewals keep up with the lease), and at once on {@link #wakeUp()}.
 *
 * <p>A second thread purges the history: DELIVERED and FAILED rows older than
 * {@code queue.history-retention}, with the content only they held, at start and then every hour (or
 * sooner for a shorter retention; every poll interval for 0).
 */
public final class QueueRunner {
    private static final Logger LOG = LoggerFactory.getLogger(QueueRunner.class);
    /** Claimed rows held at most, per allowed concurrent delivery (Postfix's bounded active queue). */
    private static final int WINDOW_PER_SLOT = 10;
    /** The longest wait between two purges of the history. */
    static final Duration MAX_PURGE_INTERVAL = Duration.ofHours(1);

    /** The waiting jobs and the runs of one destination. */
    private static final class DestinationState {
        final Destination destination;
        final Deque<OutboundJob> pending = new ArrayDeque<>();
        final Set<DeliveryRun> runs = new HashSet<>();

        DestinationState(Destination destination) {
            this.destination = destination;
        }
    }

    private final String runnerId;
    private final QueueStore queue;
    private final Router router;
    private final DeliveryRun.Context context;
    private final Map<String, HostPort> routes;
    private final int concurrency;
    private final int perDestination;
    private final Duration pollInterval;
    private final Duration lease;
    private final Duration historyRetention;

    private final Object lock = new Object();
    private final Map<String, DestinationState> destinations = new LinkedHashMap<>();
    private final Set<Long> held = ConcurrentHashMap.newKeySet();
    private final AtomicInteger running = new AtomicInteger();
    private final Semaphore wake = new Semaphore(0);
    private final ExecutorService pool;
    private final ScheduledExecutorService purger;
    private volatile boolean stopping;
    private Thread loop;
    private Instant nextRenewal = Instant.EPOCH;
    private String lastClaimError;

    QueueRunner(String runnerId, QueueStore queue, Router router, DeliveryRun.Context context, Map<String, HostPort> routes, int concurrency,
                int perDestination, Duration pollInterval, Duration lease, Duration historyRetention) {
        this.runnerId = runnerId;
        this.queue = queue;
        this.router = router;
        this.context = context;
        this.routes = Map.copyOf(routes);
        this.concurrency = concurrency;
        this.perDestination = Math.min(perDestination, concurrency);
        this.pollInterval = pollInterval;
        this.lease = lease;
        this.historyRetention = historyRetention;
        AtomicInteger n = new AtomicInteger();
        this.pool = new ThreadPoolExecutor(concurrency, concurrency, 60, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), r -> {
            Thread t = new Thread(r, "outbound-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        ((ThreadPoolExecutor) pool).allowCoreThreadTimeOut(true);
        this.purger = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "queue-purge");
            t.setDaemon(true);
            return t;
        });
    }

    public String runnerId() {
        return runnerId;
    }

    public synchronized void start() {
        if (loop != null) {
            return;
        }
        loop = new Thread(this::loop, "queue-runner");
        loop.setDaemon(true);
        loop.start();
        purger.scheduleWithFixedDelay(this::purgeHistory, 0, purgeInterval().toMillis(), TimeUnit.MILLISECONDS);
        LOG.info("queue runner {} started: concurrency {} ({} per destination), poll {}, history kept {}", runnerId, concurrency, perDestination,
                pollInterval, historyRetention);
    }

    /** Retention 0 means "at once": then every poll interval, else the retention itself, at most an hour. */
    Duration purgeInterval() {
        if (historyRetention.isZero()) {
            return pollInterval;
        }
        return historyRetention.compareTo(MAX_PURGE_INTERVAL) < 0 ? historyRetention : MAX_PURGE_INTERVAL;
    }

    /** Removes finished rows older than the retention; failures are logged and the next round tries again. */
    private void purgeHistory() {
        try {
            QueueStore.Purged purged = queue.purge(Instant.now().minus(historyRetention));
            if (purged.rows() > 0) {
                LOG.info("purged {} finished queue rows older than {}; reclaimed {} messages ({} bytes)", purged.rows(), historyRetention,
                        purged.messages(), purged.bytes());
            }
        } catch (StoreException e) {
            LOG.warn("could not purge the queue history (next try in {}): {}", purgeInterval(), e.getMessage());
        } catch (RuntimeException e) {
            LOG.error("queue history purge failed unexpectedly (next try in {})", purgeInterval(), e);
        }
    }

    /** Look at the queue now (SMTP calls this after committing a remote recipient). Cheap; never blocks. */
    public void wakeUp() {
        wake.release();
    }

    /**
     * Stops claiming, lets deliveries in progress finish within {@code grace}, then closes their
     * connections (their recipients are deferred) and gives back every row not yet attempted.
     */
    public void stop(Duration grace) {
        stopping = true;
        // no interrupt: an interrupted thread inside H2 can make it close the database file
        purger.shutdown();
        wakeUp();
        Thread t;
        synchronized (this) {
            t = loop;
        }
        if (t != null) {
            try {
                t.join(Math.max(1, grace.toMillis()));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        List<Long> unstarted = new ArrayList<>();
        synchronized (lock) {
            for (DestinationState st : destinations.values()) {
                for (OutboundJob job : st.pending) {
                    job.rows.forEach(r -> unstarted.add(r.id()));
                }
                st.pending.clear();
            }
        }
        release(unstarted);
        pool.shutdown();
        try {
            if (!pool.awaitTermination(Math.max(1, grace.toMillis()), TimeUnit.MILLISECONDS)) {
                synchronized (lock) {
                    destinations.values().forEach(st -> st.runs.forEach(DeliveryRun::abort));
                }
                pool.awaitTermination(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        awaitPurge(grace);
        LOG.info("queue runner {} stopped", runnerId);
    }

    /** A purge in progress removes one batch at a time; it gets the grace period to finish, then is left to fail with the store. */
    private void awaitPurge(Duration grace) {
        try {
            if (!purger.awaitTermination(Math.max(1, grace.toMillis()), TimeUnit.MILLISECONDS)) {
                LOG.warn("queue history purge still running at shutdown; the next start goes on with it");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void release(List<Long> ids) {
        if (ids.isEmpty()) {
            return;
        }
        try {
            queue.release(runnerId, ids);
        } catch (StoreException e) {
            LOG.warn("could not give back {} queue rows (they return when their lease ends): {}", ids.size(), e.getMessage());
        }
        ids.forEach(held::remove);
    }

    private void loop() {
        while (!stopping) {
            try {
                renewLeasesIfDue();
                claim();
                startRuns();
            } catch (RuntimeException e) {
                LOG.error("queue runner: unexpected error; going on", e);
            }
            try {
                if (wake.tryAcquire(nextWait().toMillis(), TimeUnit.MILLISECONDS)) {
                    wake.drainPermits();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /**
     * The poll interval, but no longer than a third of the lease while rows are held: a long poll interval
     * must not let the leases of deliveries in progress run out (another runner would take the rows over
     * and send them again).
     */
    private Duration nextWait() {
        Duration renewal = lease.dividedBy(3);
        return held.isEmpty() || pollInterval.compareTo(renewal) <= 0 ? pollInterval : renewal;
    }

    private void renewLeasesIfDue() {
        Instant now = Instant.now();
        if (now.isBefore(nextRenewal) || held.isEmpty()) {
            return;
        }
        nextRenewal = now.plus(lease.dividedBy(3));
        List<Long> ids = new ArrayList<>(held);
        try {
            int kept = queue.renewLease(runnerId, ids, lease);
            if (kept < ids.size()) {
                LOG.debug("lease renewal: {} of {} rows still held (the others finished or were deleted)", kept, ids.size());
            }
        } catch (StoreException e) {
            LOG.warn("could not renew the lease of {} queue rows: {}", ids.size(), e.getMessage());
        }
    }

    private void claim() {
        int room = concurrency * WINDOW_PER_SLOT - held.size();
        if (room <= 0) {
            return;
        }
        Optional<Set<String>> skip = busyDomains();
        if (skip.isEmpty()) {
            return;
        }
        List<QueueEntry> rows;
        try {
            rows = queue.claim(runnerId, room, lease, skip.get());
            lastClaimError = null;
        } catch (StoreException e) {
            if (!String.valueOf(e.getMessage()).equals(lastClaimError)) {
                LOG.warn("queue runner cannot claim rows: {}", e.getMessage());
                lastClaimError = String.valueOf(e.getMessage());
            }
            return;
        }
        if (rows.isEmpty()) {
            return;
        }
        synchronized (lock) {
            for (QueueEntry row : rows) {
                held.add(row.id());
                Destination d = router.destinationFor(domainOf(row.recipient()));
                DestinationState st = destinations.computeIfAbsent(d.key(), k -> new DestinationState(d));
                OutboundJob last = st.pending.peekLast();
                if (last != null && last.accepts(row)) {
                    last.rows.add(row);
                } else {
                    st.pending.addLast(new OutboundJob(row));
                }
            }
        }
    }

    /**
     * Domains whose destination already has a connection's worth of jobs waiting per allowed
     * connection; empty when the smarthost (which takes every domain) is that busy.
     */
    private Optional<Set<String>> busyDomains() {
        Set<String> skip = new HashSet<>();
        synchronized (lock) {
            for (DestinationState st : destinations.values()) {
                if (st.pending.size() < perDestination) {
                    continue;
                }
                Destination d = st.destination;
                switch (d.kind()) {
                    case SMARTHOST:
                        return Optional.empty();
                    case ROUTE:
                        routes.forEach((domain, target) -> {
                            if (target.equals(d.host().orElse(null))) {
                                skip.add(domain);
                            }
                        });
                        break;
                    default:
                        skip.add(d.domain());
                }
            }
        }
        return Optional.of(skip);
    }

    private void startRuns() {
        synchronized (lock) {
            for (DestinationState st : destinations.values()) {
                while (!stopping && !st.pending.isEmpty() && st.runs.size() < perDestination && running.get() < concurrency) {
                    OutboundJob first = st.pending.pollFirst();
                    DeliveryRun run = new DeliveryRun(context, st.destination, held::remove);
                    st.runs.add(run);
                    running.incrementAndGet();
                    pool.execute(() -> runDestination(st, run, first));
                }
            }
            destinations.values().removeIf(st -> st.pending.isEmpty() && st.runs.isEmpty());
        }
    }

    /** One delivery thread: the first job, then further waiting jobs of the same destination on the same connection. */
    private void runDestination(DestinationState st, DeliveryRun run, OutboundJob first) {
        OutboundJob job = first;
        try {
            while (job != null) {
                try {
                    run.deliver(job);
                } catch (RuntimeException e) {
                    // a bug or a store failure: the rows stay claimed, are no longer renewed, and return when the lease ends
                    LOG.error("{}: delivery failed unexpectedly; will be retried after the lease", job.queueId, e);
                    job.rows.forEach(r -> held.remove(r.id()));
                }
                boolean runningLow;
                synchronized (lock) {
                    job = stopping ? null : st.pending.pollFirst();
                    runningLow = st.pending.size() < perDestination;
                }
                if (runningLow) {
                    wakeUp(); // claim more before this destination's waiting jobs run out
                }
            }
        } finally {
            run.close();
            synchronized (lock) {
                st.runs.remove(run);
                running.decrementAndGet();
            }
            wakeUp();
        }
    }

    static String domainOf(String recipient) {
        try {
            return MailAddress.parse(recipient).normalizedDomain();
        } catch (IllegalArgumentException e) {
            int at = recipient.lastIndexOf('@');
            return at < 0 ? "" : recipient.substring(at + 1).toLowerCase(java.util.Locale.ROOT);
        }
    }
}
