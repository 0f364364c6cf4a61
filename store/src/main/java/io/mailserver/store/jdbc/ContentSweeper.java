package io.mailserver.store.jdbc;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One daemon thread that runs {@link Contents#sweep} when the store opens and then every few minutes,
 * so that content left unreferenced by a crash between a delete and its reclaim is not kept for good,
 * and {@link FileContents#sweepOrphans} for content files no message row names (a crash between a
 * file and its metadata commit, or between a row's delete and its file's unlink). Deletes reclaim their
 * own content at once; this only catches what they could not.
 */
final class ContentSweeper implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ContentSweeper.class);
    static final Duration INTERVAL = Duration.ofMinutes(5);

    private final Database db;
    private final ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "store-content-sweeper");
        t.setDaemon(true);
        return t;
    });

    ContentSweeper(Database db) {
        this.db = db;
    }

    void start() {
        executor.scheduleWithFixedDelay(this::sweepQuietly, 0, INTERVAL.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void sweepQuietly() {
        try {
            int reclaimed = Contents.sweep(db);
            if (reclaimed > 0) {
                log.info("reclaimed the content of {} message(s) nothing referred to any more", reclaimed);
            }
            int orphans = db.files().sweepOrphans(db, Instant.now().minus(FileContents.ORPHAN_AGE));
            if (orphans > 0) {
                log.info("deleted {} content file(s) no message refers to (left by a crash)", orphans);
            }
        } catch (RuntimeException e) {
            // The database may be briefly unreachable; the next round tries again.
            log.warn("content sweep failed: {}", e.getMessage());
        }
    }

    /** Stops the thread, waiting briefly for a sweep in progress (which is safe to interrupt between transactions). */
    @Override
    public void close() {
        executor.shutdownNow();
        try {
            executor.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
