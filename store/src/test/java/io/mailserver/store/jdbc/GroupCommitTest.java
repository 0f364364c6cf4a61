package io.mailserver.store.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mailserver.store.StoreException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class GroupCommitTest {

    /** Each caller's "commit" is a number; a sync makes every number written before it started durable. */
    @Test
    void everyCallerIsReleasedOnlyAfterASyncThatCoversItsCommitAndSyncsAreShared() throws Exception {
        AtomicLong written = new AtomicLong();
        AtomicLong durable = new AtomicLong();
        GroupCommit gc = GroupCommit.syncing(() -> {
            long covered = written.get();
            Thread.sleep(2); // the fsync
            durable.accumulateAndGet(covered, Math::max);
        }, "test-sync");
        ConcurrentLinkedQueue<String> violations = new ConcurrentLinkedQueue<>();
        List<Thread> threads = new ArrayList<>();
        int perThread = 200;
        for (int t = 0; t < 20; t++) {
            Thread th = new Thread(() -> {
                for (int i = 0; i < perThread; i++) {
                    long mine = written.incrementAndGet();
                    gc.awaitDurable();
                    if (durable.get() < mine) {
                        violations.add("commit " + mine + " released before it was durable");
                    }
                }
            });
            th.start();
            threads.add(th);
        }
        for (Thread th : threads) {
            th.join();
        }
        gc.close();
        assertTrue(violations.isEmpty(), violations.toString());
        long syncs = gc.syncCount();
        assertTrue(syncs < 20L * perThread / 4, "syncs were not shared: " + syncs + " for " + 20 * perThread + " commits");
    }

    @Test
    void aFailedSyncFailsItsCallersAndTheNextSyncWorks() {
        AtomicBoolean fail = new AtomicBoolean(true);
        try (GroupCommit gc = GroupCommit.syncing(() -> {
            if (fail.get()) {
                throw new java.io.IOException("disk full");
            }
        }, "test-sync")) {
            StoreException e = assertThrows(StoreException.class, gc::awaitDurable);
            assertTrue(e.getMessage().contains("disk full"), e.getMessage());
            fail.set(false);
            gc.awaitDurable();
            assertEquals(2, gc.syncCount());
        }
    }

    @Test
    void withoutASyncerCallersReturnAtOnce() {
        try (GroupCommit gc = GroupCommit.none()) {
            gc.awaitDurable();
            assertEquals(0, gc.syncCount());
        }
    }
}
