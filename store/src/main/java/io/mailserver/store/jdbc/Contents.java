package io.mailserver.store.jdbc;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.TreeSet;

/**
 * Message content bookkeeping shared by the maildrop, the queue and user removal: content lives as long
 * as a mailbox entry or a queue row that still needs it (any state but DELIVERED) refers to it.
 *
 * <p>Why the lock: two transactions that each delete one of the last two references would, under READ
 * COMMITTED, each still see the other's reference and neither would reclaim. Locking the message rows
 * (in id order, so no deadlock) before deleting references serialises them: the second sees the first's
 * delete and reclaims.
 */
final class Contents {
    static final int CHUNK_SIZE = 256 * 1024;
    private static final int IN_LIST = 500;

    private Contents() {
    }

    /** Locks the given messages' rows until the transaction ends. */
    static void lock(Connection c, Collection<Long> messageIds) throws SQLException {
        for (List<Long> batch : Database.batches(new TreeSet<>(messageIds), IN_LIST)) {
            String sql = "SELECT id FROM messages WHERE id IN (" + Database.placeholders(batch.size()) + ") ORDER BY id FOR UPDATE";
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                bind(ps, batch);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        // rows are now locked
                    }
                }
            }
        }
    }

    /** Deletes those of the given messages (and their chunks) that nothing refers to any more. */
    static int reclaim(Connection c, Collection<Long> messageIds) throws SQLException {
        int reclaimed = 0;
        for (List<Long> batch : Database.batches(new TreeSet<>(messageIds), IN_LIST)) {
            String unused = "id IN (" + Database.placeholders(batch.size()) + ")"
                    + " AND NOT EXISTS (SELECT 1 FROM mailbox_entries e WHERE e.message_id = messages.id)"
                    + " AND NOT EXISTS (SELECT 1 FROM outbound_queue q WHERE q.message_id = messages.id AND q.state <> 'DELIVERED')";
            // Chunks first and explicitly: cheaper than relying on the cascade for large messages on H2.
            try (PreparedStatement ps = c.prepareStatement(
                    "DELETE FROM message_chunks WHERE message_id IN (SELECT id FROM messages WHERE " + unused + ")")) {
                bind(ps, batch);
                ps.executeUpdate();
            }
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM messages WHERE " + unused)) {
                bind(ps, batch);
                reclaimed += ps.executeUpdate();
            }
        }
        return reclaimed;
    }

    /** The message ids that the given rows of {@code table} (mailbox_entries or outbound_queue) refer to. */
    static List<Long> messagesOf(Connection c, String table, String where, Object... params) throws SQLException {
        List<Long> ids = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT DISTINCT message_id FROM " + table + " WHERE " + where)) {
            for (int i = 0; i < params.length; i++) {
                ps.setObject(i + 1, params[i]);
            }
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    ids.add(rs.getLong(1));
                }
            }
        }
        return ids;
    }

    static void bind(PreparedStatement ps, List<Long> ids) throws SQLException {
        for (int i = 0; i < ids.size(); i++) {
            ps.setLong(i + 1, ids.get(i));
        }
    }
}
