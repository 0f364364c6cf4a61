package io.mailserver.store.jdbc;

import io.mailserver.store.StoreException;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Group commit (DESIGN.md contract 2): a caller whose transaction has committed calls
 * {@link #awaitDurable()} and blocks; one background thread runs a sync (H2: {@code CHECKPOINT SYNC},
 * the only statement that makes H2 fsync) once for every caller that asked before the sync started, then
 * releases them together. Many sessions' commits thus share one fsync; a lone caller waits for one sync.
 *
 * <p>Correctness rests on order: a caller takes its ticket after its commit; the syncer reads the
 * newest ticket before it starts a sync; so every ticket up to that number belongs to a commit that the
 * sync covers.
 */
final class GroupCommit implements AutoCloseable {
    /** The durable step; on PostgreSQL there is none (the commit itself waited for the WAL flush). */
    interface Syncer {
        void sync() throws Exception;
    }

    private static final Logger log = LoggerFactory.getLogger(GroupCommit.class);
    private static final Duration WAIT_LIMIT = Duration.ofSeconds(60);

    private final Syncer syncer;
    private final Thread thread;
    private final Object monitor = new Object();
    private long requested;      // last ticket handed out
    private long synced;         // every ticket <= this is durable
    private long failedUpTo;     // tickets <= this not covered by a later sync saw a failed sync
    private long handled;        // max(synced, failedUpTo): what the syncer has answered
    private String failure;
    private long syncs;
    private boolean closed;

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

    /** Blocks until everything this thread committed before the call has reached the disk. */
    void awaitDurable() {
        if (syncer == null) {
            return;
        }
        long deadline = System.nanoTime() + WAIT_LIMIT.toNanos();
        synchronized (monitor) {
            if (closed) {
                throw new StoreException("the store is closed; the commit may not have reached the disk");
            }
            long ticket = ++requested;
            monitor.notifyAll();
            while (synced < ticket) {
                if (failedUpTo >= ticket) {
                    throw new StoreException("committed, but the database could not sync it to disk: " + failure);
                }
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
        }
    }

    private void run() {
        while (true) {
            long target;
            synchronized (monitor) {
                while (!closed && requested == handled) {
                    try {
                        monitor.wait();
                    } catch (InterruptedException e) {
                        return;
                    }
                }
                if (closed) {
                    return;
                }
                target = requested;
            }
            String error = null;
            try {
                syncer.sync();
            } catch (Exception e) {
                error = e.getMessage();
                log.error("disk sync of the store failed: {}", error);
            }
            synchronized (monitor) {
                syncs++;
                // A later successful sync also covers callers of a failed one: they return normally
                // if they wake up after it.
                if (error == null) {
                    synced = target;
                } else {
                    failure = error;
                    failedUpTo = target;
                }
                handled = target;
                monitor.notifyAll();
            }
        }
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
