package io.mailserver.store.jdbc;

import io.mailserver.store.MailMetrics;
import io.mailserver.store.StoreException;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Group commit (docs/design.md, contract 2): a caller whose transaction has committed calls
 * {@link #awaitDurable()} and blocks; one background thread runs a sync (H2: {@code CHECKPOINT SYNC},
 * the only statement that makes H2 fsync) once for every caller that asked before the sync started, then
 * releases them together. Many sessions' commits thus share one fsync; a lone caller waits for one sync.
 *
 * <p>Correctness rests on order: a caller joins the open batch after its commit; the syncer closes the
 * batch before it starts the sync; so the sync covers every commit of its batch. Each caller gets the
 * outcome of its own batch's sync: a later sync that succeeds does not excuse a failed one, since after a
 * failed fsync the kernel may have dropped the pages it could not write.
 */
final class GroupCommit implements AutoCloseable {
    /** The durable step; on PostgreSQL there is none (the commit itself waited for the WAL flush). */
    interface Syncer extends AutoCloseable {
        void sync() throws Exception;

        /** Releases what the syncer holds (its own connection); called once the syncer thread has ended. */
        @Override
        default void close() {
        }
    }

    /** The callers waiting for one sync; completed once, with that sync's outcome. */
    private static final class Batch {
        int callers;
        boolean done;
        String failure;
    }

    private static final Logger log = LoggerFactory.getLogger(GroupCommit.class);
    private static final Duration WAIT_LIMIT = Duration.ofSeconds(60);

    private final Syncer syncer;
    private final Thread thread;
    private final Object monitor = new Object();
    private Batch open = new Batch();   // joined by callers; the syncer takes it when a sync starts
    private long syncs;
    private boolean closed;
    private volatile DurabilityListener listener;

    private GroupCommit(Syncer syncer, String name) {
        this.syncer = syncer;
        this.thread = syncer == null ? null : new Thread(this::run, name);
        if (thread != null) {
            thread.setDaemon(true);
            thread.start();
        }
    }

    /** A group commit that runs {@code syncer} in its own thread. */
    static GroupCommit syncing(Syncer syncer, String name) {
        return new GroupCommit(syncer, name);
    }

    /** For databases whose commit is already durable. */
    static GroupCommit none() {
        return new GroupCommit(null, null);
    }

    boolean enabled() {
        return syncer != null;
    }

    /** How many syncs ran so far (for tests and benchmarks). */
    long syncCount() {
        synchronized (monitor) {
            return syncs;
        }
    }

    void listener(DurabilityListener l) {
        listener = l;
    }

    /** The test-facing listener, or null (the normal case: then nothing is reported). */
    DurabilityListener listener() {
        return listener;
    }

    /**
     * Blocks until everything this thread committed before the call has reached the disk.
     * @throws StoreException if the sync covering it failed, did not finish within a minute, or the store closed
     */
    void awaitDurable() {
        if (syncer == null) {
            return;
        }
        long deadline = System.nanoTime() + WAIT_LIMIT.toNanos();
        synchronized (monitor) {
            if (closed) {
                throw new StoreException("the store is closed; the commit may not have reached the disk");
            }
            Batch mine = open;
            mine.callers++;
            monitor.notifyAll();
            while (!mine.done) {
                if (closed) {
                    throw new StoreException("the store closed before the commit reached the disk");
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new StoreException("committed, but no disk sync completed within " + WAIT_LIMIT.toSeconds() + " s");
                }
                try {
                    monitor.wait(Math.max(1, left / 1_000_000));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new StoreException("interrupted while waiting for the disk sync");
                }
            }
            if (mine.failure != null) {
                throw new StoreException("committed, but the database could not sync it to disk: " + mine.failure);
            }
        }
    }

    private void run() {
        try {
            while (true) {
                Batch batch;
                synchronized (monitor) {
                    while (!closed && open.callers == 0) {
                        try {
                            monitor.wait();
                        } catch (InterruptedException e) {
                            return;
                        }
                    }
                    if (closed) {
                        return;
                    }
                    batch = open;
                    open = new Batch();
                }
                long started = System.nanoTime();
                String error = syncOnce();
                MailMetrics.groupCommit(batch.callers, Duration.ofNanos(System.nanoTime() - started));
                synchronized (monitor) {
                    syncs++;
                    batch.failure = error;
                    batch.done = true;
                    monitor.notifyAll();
                }
            }
        } finally {
            syncer.close();
        }
    }

    /** One sync; returns null or why it failed. A listener that throws in syncStarting fails the sync (fault injection). */
    private String syncOnce() {
        DurabilityListener l = listener;
        String error = null;
        try {
            if (l != null) {
                l.syncStarting();
            }
            syncer.sync();
        } catch (Exception e) {
            error = e.getMessage() == null ? e.toString() : e.getMessage();
            log.error("disk sync of the store failed: {}", error);
        }
        if (l != null) {
            l.syncFinished(error == null);
        }
        return error;
    }

    @Override
    public void close() {
        if (thread == null) {
            return;
        }
        synchronized (monitor) {
            closed = true;
            monitor.notifyAll();
        }
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
