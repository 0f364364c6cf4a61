package io.mailserver.store.jdbc;

import io.mailserver.store.Delivery;
import io.mailserver.store.QueueEntry;
import io.mailserver.store.StoreException;
import io.mailserver.store.UncertainCommitException;
import java.io.ByteArrayInputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.SequenceInputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
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
 * One message being accepted: bytes go to a {@link SpillBuffer}; {@link #commit()} writes the message,
 * its chunks, every local recipient's mailbox entry and every remote recipient's queue row in one
 * transaction, then waits for the group commit's disk sync. If that sync fails, the commit is withdrawn
 * again before the caller hears of the failure (see {@link #withdraw}).
 */
final class JdbcDelivery implements Delivery {
    private final Database db;
    private final String sender;
    private final String queueId;
    private final SpillBuffer buffer;
    private final OutputStream content;
    private final Set<Long> localUsers = new LinkedHashSet<>();
    private final Set<String> remoteAddresses = new LinkedHashSet<>();
    private byte[] prefix = new byte[0];
    private boolean done;
    private boolean flushedByCommit;

    JdbcDelivery(Database db, Path tempDir, String sender, String queueId) {
        this.db = db;
        this.sender = sender == null ? "" : sender;
        this.queueId = queueId == null ? "" : queueId;
        this.buffer = new SpillBuffer(tempDir, Contents.CHUNK_SIZE);
        // Closing the stream the caller got ends writing; it does not discard the content.
        this.content = new FilterOutputStream(buffer) {
            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                buffer.write(b, off, len);
            }

            @Override
            public void close() {
                buffer.close();
            }
        };
    }

    /** The line POP3 shows first (RFC 5321 4.4): {@code Return-Path: <sender>} with CRLF. */
    static byte[] returnPathLine(String sender) {
        return ("Return-Path: <" + sender + ">\r\n").getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public OutputStream content() {
        return content;
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
        try {
            long id = db.transaction("storing message " + queueId, this::store);
            GroupCommit groupCommit = db.groupCommit();
            DurabilityListener listener = groupCommit.listener();
            if (listener != null) {
                listener.committed(queueId, flushedByCommit);
            }
            try {
                groupCommit.awaitDurable();
            } catch (StoreException notDurable) {
                withdraw(id, notDurable);
            }
            return id;
        } catch (UncheckedIOException e) {
            throw new StoreException("cannot read back message " + queueId + " from its temporary file: " + e.getCause().getMessage(), e);
        } finally {
            buffer.discard();
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

    private long store(Connection c) throws SQLException {
        Instant now = Database.now();
        long size = prefix.length + buffer.size();
        long messageId;
        try (PreparedStatement ps = c.prepareStatement(
                "INSERT INTO messages (queue_id, sender, size, received_at) VALUES (?, ?, ?, ?)", Statement.RETURN_GENERATED_KEYS)) {
            ps.setString(1, queueId);
            ps.setString(2, sender);
            ps.setLong(3, size);
            Database.setInstant(ps, 4, now);
            ps.executeUpdate();
            try (ResultSet keys = ps.getGeneratedKeys()) {
                keys.next();
                messageId = keys.getLong(1);
            }
        }
        storeChunks(c, messageId);
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

    /** One row per 256 KiB, each inserted on its own so that the heap holds one chunk at a time. */
    private void storeChunks(Connection c, long messageId) throws SQLException {
        try (InputStream in = new SequenceInputStream(new ByteArrayInputStream(prefix), buffer.openForReading());
             PreparedStatement ps = c.prepareStatement("INSERT INTO message_chunks (message_id, seq, data) VALUES (?, ?, ?)")) {
            int seq = 0;
            while (true) {
                byte[] chunk = in.readNBytes(Contents.CHUNK_SIZE);
                if (chunk.length == 0) {
                    break;
                }
                ps.setLong(1, messageId);
                ps.setInt(2, seq++);
                ps.setBytes(3, chunk);
                ps.executeUpdate();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        done = true;
        buffer.discard();
    }
}
