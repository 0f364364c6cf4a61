package io.mailserver.store.jdbc;

/**
 * Test-facing: watches the store's way to the disk, so a test can check that no {@code 250} leaves
 * before a disk sync that covers its commit, and can make syncs fail. Set with
 * {@link JdbcMailStore#durabilityListener(DurabilityListener)}; unset (the normal case) nothing is
 * reported. Called on the store's threads: implementations must be quick and thread-safe.
 */
public interface DurabilityListener {
    /**
     * A delivery's content file (files backend) is about to be forced to disk, before its metadata
     * transaction. Throwing makes the force fail as a disk error would: fault injection for tests.
     */
    default void contentSyncing(String queueId) throws Exception {
    }

    /** A delivery's content file is durable: forced, renamed to its name, and its directory synced. */
    default void contentDurable(String queueId) {
    }

    /**
     * A delivery's transaction has committed (before any wait for the disk).
     * @param flushedByCommit true when the database flushed it to disk inside the commit (PostgreSQL with
     *     {@code synchronous_commit} on for that connection); false when only a later sync makes it durable
     */
    default void committed(String queueId, boolean flushedByCommit) {
    }

    /**
     * The syncer is about to sync everything committed so far (H2 only). Throwing makes this sync fail
     * as a disk error would, with the exception's message as the reason: fault injection for tests.
     */
    default void syncStarting() throws Exception {
    }

    /** The sync announced by {@link #syncStarting()} has ended. */
    default void syncFinished(boolean succeeded) {
    }
}
