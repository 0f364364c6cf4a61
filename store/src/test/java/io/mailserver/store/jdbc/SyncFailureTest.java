package io.mailserver.store.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mailserver.store.StoreException;
import io.mailserver.store.UncertainCommitException;
import io.mailserver.store.User;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * What happens to a delivery whose commit the disk sync does not confirm (H2: the group commit's
 * {@code CHECKPOINT SYNC}): it is withdrawn before the caller hears of the failure, so the caller's
 * "not stored" is true and a retry gives exactly one copy; and the syncer works whatever the pool does.
 */
@Timeout(60)
class SyncFailureTest extends StoreTestBase {
    private static final String CONTENT = "Subject: sync\r\n\r\nbody\r\n";

    @Override
    Backend backend() {
        return Backend.H2;
    }

    /** Makes the next sync fail as a disk error would; later syncs work. */
    private static DurabilityListener failNextSync() {
        AtomicBoolean armed = new AtomicBoolean(true);
        return new DurabilityListener() {
            @Override
            public void syncStarting() throws Exception {
                if (armed.getAndSet(false)) {
                    throw new java.io.IOException("injected: fsync failed (EIO)");
                }
            }
        };
    }

    private long visibleRows() {
        return count("SELECT (SELECT COUNT(*) FROM mailbox_entries) + (SELECT COUNT(*) FROM outbound_queue)");
    }

    @Test
    void aDeliveryWhoseSyncFailsIsWithdrawnAndItsRetryLeavesExactlyOneCopy() {
        User alice = user("alice@example.test");
        store.durabilityListener(failNextSync());

        StoreException e = assertThrows(StoreException.class,
                () -> deliver("a@far.test", CONTENT, List.of(alice.id()), List.of("carol@remote.test")));
        assertFalse(e instanceof UncertainCommitException, "withdrawn, so the failure is a plain one: " + e);
        assertTrue(e.getMessage().contains("injected: fsync failed"), e.getMessage());
        assertEquals(0, visibleRows(), "no mailbox entry or queue row may remain after the failure is reported");
        assertEquals(0, count("SELECT COUNT(*) FROM messages"), "the content is reclaimed too");
        assertEquals(0, count("SELECT COUNT(*) FROM message_chunks"));

        deliver("a@far.test", CONTENT, List.of(alice.id()), List.of("carol@remote.test")); // the client's retry
        assertEquals(1, store.maildrops().snapshot(alice.id()).size());
        assertEquals(1, store.queue().list().size());
        assertEquals(1, count("SELECT COUNT(*) FROM messages"));
    }

    /**
     * The withdrawal itself cannot run (here: another transaction holds a lock on the new mailbox entry
     * longer than the lock timeout): the caller must learn that the message is stored after all.
     */
    @Test
    void whenTheWithdrawalFailsTooTheCommitIsReportedAsUncertain() throws Exception {
        store.close();
        store = JdbcMailStore.open(JdbcMailStore.defaultUrl(dataDir).replace("LOCK_TIMEOUT=10000", "LOCK_TIMEOUT=300"),
                backend().user(), "", 8, dataDir, Backend.HASHER);
        User alice = user("alice@example.test");
        AtomicReference<Connection> locker = new AtomicReference<>();
        DurabilityListener failing = failNextSync();
        store.durabilityListener(new DurabilityListener() {
            @Override
            public void committed(String queueId, boolean flushedByCommit) {
                try {
                    Connection c = store.database().connection("locking the new entry");
                    c.setAutoCommit(false);
                    try (PreparedStatement ps = c.prepareStatement("SELECT id FROM mailbox_entries WHERE message_id ="
                            + " (SELECT id FROM messages WHERE queue_id = ?) FOR UPDATE")) {
                        ps.setString(1, queueId);
                        ps.executeQuery().close();
                    }
                    locker.set(c);
                } catch (SQLException e) {
                    throw new IllegalStateException(e);
                }
            }

            @Override
            public void syncStarting() throws Exception {
                failing.syncStarting();
            }
        });
        try {
            StoreException e = assertThrows(StoreException.class, () -> deliver("a@far.test", CONTENT, List.of(alice.id()), List.of()));
            assertInstanceOf(UncertainCommitException.class, e);
            assertTrue(e.getMessage().contains("injected: fsync failed") && e.getMessage().contains("nor withdrawn"), e.getMessage());
        } finally {
            locker.get().rollback();
            locker.get().close();
        }
        assertEquals(1, store.maildrops().snapshot(alice.id()).size(), "as the exception says, the message is stored");
    }

    /**
     * Every session holds a pooled connection at the moment a commit waits for its sync: the sync must
     * not need one. (It used to borrow from the pool: after the pool's 10 s timeout the sync failed.)
     */
    @Test
    void theSyncProceedsWhileSessionsHoldEveryPooledConnection() {
        User alice = user("alice@example.test");
        List<Connection> held = new ArrayList<>();
        store.durabilityListener(new DurabilityListener() {
            @Override
            public void committed(String queueId, boolean flushedByCommit) {
                // the delivery has given its connection back; now take all 8 (Backend's pool size)
                for (int i = 0; i < 8; i++) {
                    held.add(store.database().connection("exhausting the pool"));
                }
            }
        });
        long syncsBefore = store.diskSyncs();
        try {
            deliver("a@far.test", CONTENT, List.of(alice.id()), List.of());
        } finally {
            store.durabilityListener(null);
            for (Connection c : held) {
                try {
                    c.close();
                } catch (SQLException e) {
                    // returned or not, the pool closes with the store
                }
            }
        }
        assertEquals(8, held.size());
        assertTrue(store.diskSyncs() > syncsBefore);
        assertEquals(1, store.maildrops().snapshot(alice.id()).size());
    }

    /**
     * H2 closes the whole database after a fatal error; the syncer's own connection dies with it and must
     * be replaced, not fail every later sync (each a withdrawn delivery and a 451).
     */
    @Test
    void theSyncerReplacesItsConnectionAfterH2ClosedTheDatabase() {
        User alice = user("alice@example.test");
        deliver("a@far.test", CONTENT, List.of(alice.id()), List.of());
        try (Connection c = store.database().connection("shutting H2 down"); Statement s = c.createStatement()) {
            s.execute("SHUTDOWN IMMEDIATELY");
        } catch (SQLException expected) {
            // the connection that shut the database down may itself report the close
        }
        List<String> syncFailures = new ArrayList<>();
        int delivered = 0;
        for (int i = 0; i < 20 && delivered < 5; i++) {
            try {
                deliver("a@far.test", CONTENT, List.of(alice.id()), List.of());
                delivered++;
            } catch (StoreException e) {
                // a dead pooled connection fails once and is evicted (DatabaseClosedTest); a sync must not fail
                if (e.getMessage().contains("sync") || e instanceof UncertainCommitException) {
                    syncFailures.add(e.getMessage());
                }
            }
        }
        assertEquals(List.of(), syncFailures);
        assertEquals(5, delivered);
        assertEquals(6, store.maildrops().snapshot(alice.id()).size());
    }
}
