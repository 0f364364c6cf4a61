package io.mailserver.store.jdbc;

import io.mailserver.store.Delivery;
import io.mailserver.store.QueueEntry;
import io.mailserver.store.StoreException;
import io.mailserver.store.UncertainCommitException;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * One message being accepted: bytes go to its {@link PendingContent} (a file of its own, or a spill
 * buffer for chunk rows); {@link #commit()} makes the content durable where it stays, then writes the
 * message row, every local recipient's mailbox entry and every remote recipient's queue row in one
 * transaction, then waits for the group commit's disk sync. If that sync fails, the commit is withdrawn
 * again before the caller hears of the failure (see {@link #withdraw}).
 */
final class JdbcDelivery implements Delivery {
    private final Database db;
    private final String sender;
    private final String queueId;
    private final PendingContent content;
    private final Set<Long> localUsers = new LinkedHashSet<>();
    private final Set<String> remoteAddresses = new LinkedHashSet<>();
    private byte[] prefix = new byte[0];
    private boolean done;
    private boolean flushedByCommit;

    JdbcDelivery(Database db, PendingContent content, String sender, String queueId) {
        this.db = db;
        this.sender = sender == null ? "" : sender;
        this.queueId = queueId == null ? "" : queueId;
        this.content = content;
    }

    /** The line POP3 shows first (RFC 5321 4.4): {@code Return-Path: <sender>} with CRLF. */
    static byte[] returnPathLine(String sender) {
        return ("Return-Path: <" + sender + ">\r\n").getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public OutputStream content() {
        return content.out();
    }

    @Override
    public void prepend(byte[] headerLines) {
        byte[] joined = Arrays.copyOf(headerLines, headerLines.length + prefix.length);
        System.arraycopy(prefix, 0, joined, headerLines.length, prefix.length);
        prefix = joined;
    }

    @Override
    public void addLocalRecipient(long userId) {
        localUsers.add(userId);
    }

    @Override
    public void addRemoteRecipient(String address) {
        remoteAddresses.add(address);
    }

    @Override
    public long commit() {
        if (done) {
            throw new IllegalStateException("delivery already committed or closed");
        }
        if (localUsers.isEmpty() && remoteAddresses.isEmpty()) {
            throw new IllegalStateException("a delivery needs at least one recipient");
        }
        done = true;
        String file;
        try {
            file = content.persist();
        } catch (IOException | RuntimeException e) {
            content.release(false);
            throw new StoreException("cannot store the content of message " + queueId + ": " + e.getMessage(), e);
        }
        long id;
        try {
            id = db.transaction("storing message " + queueId, c -> store(c, file));
        } catch (UncheckedIOException e) {
            content.release(false);
            throw new StoreException("cannot read back message " + queueId + " from its temporary file: " + e.getCause().getMessage(), e);
        } catch (RuntimeException e) {
            content.release(file != null && mayBeCommitted(file));
            throw e;
        }
        GroupCommit groupCommit = db.groupCommit();
        DurabilityListener listener = groupCommit.listener();
        if (listener != null) {
            listener.committed(queueId, flushedByCommit);
        }
        content.release(true);
        try {
            groupCommit.awaitDurable();
        } catch (StoreException notDurable) {
            withdraw(id, notDurable);
        }
        return id;
    }

    /**
     * Whether a failed metadata transaction may have committed after all (a commit whose answer was lost):
     * then its content file must stay. Asks the database; when it cannot answer, the file stays, and the
     * orphan sweep removes it later if no row names it.
     */
    private boolean mayBeCommitted(String file) {
        try {
            return db.read("checking the content file of message " + queueId,
                    c -> Accounts.longValue(c, "SELECT COUNT(*) FROM messages WHERE content_file = ?", file).orElse(0L) > 0);
        } catch (StoreException e) {
            return true;
        }
    }

    /**
     * The commit is visible but not known to be on disk. Answering "not stored" while it stays visible
     * would make the client's retry a second copy, so its mailbox entries and queue rows are deleted again
     * (not waiting for a sync: the syncs are what fails). The content follows as after any delete.
     * @throws StoreException when withdrawn: nothing of the message is visible any more
     * @throws UncertainCommitException when even that failed
     */
    private void withdraw(long messageId, StoreException notDurable) {
        try {
            db.transaction("withdrawing message " + queueId,
                    c -> Accounts.update(c, "DELETE FROM mailbox_entries WHERE message_id = ?", messageId)
                            + Accounts.update(c, "DELETE FROM outbound_queue WHERE message_id = ?", messageId));
        } catch (StoreException e) {
            e.addSuppressed(notDurable);
            throw new UncertainCommitException("message " + queueId + " is committed but neither known to be on disk ("
                    + notDurable.getMessage() + ") nor withdrawn (" + e.getMessage() + ")", e);
        }
        Contents.reclaimAfterCommit(db, List.of(messageId));
        throw new StoreException("message " + queueId + " withdrawn after its commit: " + notDurable.getMessage(), notDurable);
    }

    private long store(Connection c, String file) throws SQLException {
        Instant now = Database.now();
        long size = prefix.length + content.size();
        long messageId;
        try (PreparedStatement ps = c.prepareStatement(
                "INSERT INTO messages (queue_id, sender, size, received_at, content_file, header_prefix) VALUES (?, ?, ?, ?, ?, ?)",
                Statement.RETURN_GENERATED_KEYS)) {
            ps.setString(1, queueId);
            ps.setString(2, sender);
            ps.setLong(3, size);
            Database.setInstant(ps, 4, now);
            ps.setString(5, file);
            // header fields known only at the end of data (Authentication-Results): kept beside the content, read first
            ps.setBytes(6, prefix.length == 0 ? null : prefix);
            ps.executeUpdate();
            try (ResultSet keys = ps.getGeneratedKeys()) {
                keys.next();
                messageId = keys.getLong(1);
            }
        }
        content.insertRows(c, messageId);
        if (!localUsers.isEmpty()) {
            long entrySize = returnPathLine(sender).length + size;
            try (PreparedStatement ps = c.prepareStatement(
                    "INSERT INTO mailbox_entries (user_id, message_id, size, created_at) VALUES (?, ?, ?, ?)")) {
                for (long user : localUsers) {
                    ps.setLong(1, user);
                    ps.setLong(2, messageId);
                    ps.setLong(3, entrySize);
                    Database.setInstant(ps, 4, now);
                    ps.addBatch();
                }
                ps.executeBatch();
            }
        }
        if (!remoteAddresses.isEmpty()) {
            try (PreparedStatement ps = c.prepareStatement(
                    "INSERT INTO outbound_queue (message_id, queue_id, sender, recipient, state, attempts, created_at, next_attempt_at)"
                            + " VALUES (?, ?, ?, ?, ?, 0, ?, ?)")) {
                for (String rcpt : remoteAddresses) {
                    ps.setLong(1, messageId);
                    ps.setString(2, queueId);
                    ps.setString(3, sender);
                    ps.setString(4, rcpt);
                    ps.setString(5, QueueEntry.State.QUEUED.name());
                    Database.setInstant(ps, 6, now);
                    Database.setInstant(ps, 7, now);
                    ps.addBatch();
                }
                ps.executeBatch();
            }
        }
        if (db.groupCommit().listener() != null && !db.groupCommit().enabled()) {
            flushedByCommit = synchronousCommitOn(c);
        }
        return messageId;
    }

    /** For the test-facing listener only: whether PostgreSQL flushes this connection's commits before they return. */
    private static boolean synchronousCommitOn(Connection c) throws SQLException {
        if (!"PostgreSQL".equals(c.getMetaData().getDatabaseProductName())) {
            return false;
        }
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT current_setting('synchronous_commit')")) {
            rs.next();
            return !"off".equals(rs.getString(1)); // on, local, remote_write and remote_apply all flush the local WAL
        }
    }

    @Override
    public void close() {
        done = true;
        content.release(false);
    }
}
