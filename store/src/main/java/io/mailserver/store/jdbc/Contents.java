package io.mailserver.store.jdbc;

import io.mailserver.store.NotFoundException;
import io.mailserver.store.StoreException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.NoSuchFileException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Message content bookkeeping shared by the maildrop, the queue and user removal: content lives as long
 * as a mailbox entry or a queue row that still needs it (any state but DELIVERED) refers to it. A
 * message's content is a file (the row's {@code content_file}, see {@link FileContents}) or chunk rows
 * ({@code content_file} NULL: the database backend and every message stored before V6); readers and
 * reclaim follow the row, whichever backend new content goes to.
 *
 * <p>Reclaim runs in two steps. The user-visible change (mailbox entries or queue rows deleted, a row
 * marked DELIVERED) is one transaction, all or nothing. The content those rows referred to is reclaimed
 * afterwards. File content: one transaction deletes the message rows of a whole batch, then their files
 * are unlinked (a crash in between leaves orphan files for the sweep; a row whose delete was lost comes
 * back unreferenced and is swept too). Chunk content: small transactions of
 * {@link #CHUNKS_PER_TRANSACTION} chunk rows each, then the message row: on H2 a transaction keeps every
 * row it deleted in memory (its undo log) until it ends, so one transaction deleting a 50 MB message
 * needed 50 MB of heap and, out of memory, H2 closed the database. A crash between the two steps leaves
 * content nothing refers to; {@link #sweep} finds and reclaims it (at open and periodically, see
 * {@link ContentSweeper}).
 *
 * <p>Why no lock is needed: a message is referenced by the rows its delivery inserted, in the same
 * transaction as the message itself, and never gains a reference afterwards (content is stored once
 * per delivery; a DELIVERED queue row never changes state again). So a committed message found
 * unreferenced stays unreferenced, and a message being delivered right now is not committed, hence
 * invisible to the check. Of two transactions deleting the last two references, the later to commit
 * sees both deletes when it reclaims after its commit.
 */
final class Contents {
    private static final Logger log = LoggerFactory.getLogger(Contents.class);

    static final int CHUNK_SIZE = 256 * 1024;
    /** 1 MiB of chunk data per reclaiming transaction: the most H2 holds in memory for one of them. */
    static final int CHUNKS_PER_TRANSACTION = 4;
    private static final int SWEEP_BATCH = 500;
    private static final int IN_LIST = 500;
    private static final String UNREFERENCED =
            "NOT EXISTS (SELECT 1 FROM mailbox_entries e WHERE e.message_id = messages.id)"
                    + " AND NOT EXISTS (SELECT 1 FROM outbound_queue q WHERE q.message_id = messages.id AND q.state <> 'DELIVERED')";

    private Contents() {
    }

    /**
     * Reclaims those of the given messages that nothing refers to any more. Call after the transaction
     * that removed the references has committed. A failure is logged, not thrown: the caller's change is
     * already committed, and the sweeper retries later.
     * @return how many messages were reclaimed
     */
    static int reclaimAfterCommit(Database db, Collection<Long> messageIds) {
        int reclaimed = 0;
        for (List<Long> batch : Database.batches(new TreeSet<>(messageIds), IN_LIST)) {
            try {
                Map<Long, String> unreferenced = unreferenced(db, batch);
                List<Long> inRows = new ArrayList<>();
                Map<Long, String> inFiles = new TreeMap<>();
                unreferenced.forEach((id, file) -> {
                    if (file == null) {
                        inRows.add(id);
                    } else {
                        inFiles.put(id, file);
                    }
                });
                reclaimed += reclaimFiles(db, inFiles);
                for (long id : inRows) {
                    if (reclaimChunks(db, id)) {
                        reclaimed++;
                    }
                }
            } catch (StoreException e) {
                log.warn("content of messages {} not reclaimed now (the sweeper retries): {}", batch, e.getMessage());
            }
        }
        return reclaimed;
    }

    /** Those of {@code ids} that nothing refers to, with their content file (null: chunk rows). */
    private static Map<Long, String> unreferenced(Database db, List<Long> ids) {
        return db.read("checking references to " + ids.size() + " message(s)", c -> {
            Map<Long, String> out = new TreeMap<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT id, content_file FROM messages WHERE id IN ("
                    + Database.placeholders(ids.size()) + ") AND " + UNREFERENCED)) {
                for (int i = 0; i < ids.size(); i++) {
                    ps.setLong(i + 1, ids.get(i));
                }
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.put(rs.getLong(1), rs.getString(2));
                    }
                }
            }
            return out;
        });
    }

    /**
     * Deletes the rows of unreferenced file-backed messages in one transaction (small rows: a whole POP3
     * QUIT's worth at once), then unlinks the files of the rows this transaction deleted. A concurrent
     * reclaimer of the same message deletes nothing and unlinks nothing.
     */
    private static int reclaimFiles(Database db, Map<Long, String> files) {
        if (files.isEmpty()) {
            return 0;
        }
        List<Long> ids = new ArrayList<>(files.keySet());
        int[] counts = db.transaction("reclaiming " + ids.size() + " message(s)", c -> {
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM messages WHERE id = ? AND " + UNREFERENCED)) {
                for (long id : ids) {
                    ps.setLong(1, id);
                    ps.addBatch();
                }
                return ps.executeBatch();
            }
        });
        int reclaimed = 0;
        for (int i = 0; i < ids.size(); i++) {
            if (counts[i] > 0) {
                db.files().delete(files.get(ids.get(i)));
                reclaimed++;
            }
        }
        return reclaimed;
    }

    /** Reclaims one unreferenced message whose content is in chunk rows: a few chunks per transaction, then its row. */
    private static boolean reclaimChunks(Database db, long messageId) {
        while (db.transaction("reclaiming the content of message " + messageId, c -> deleteSomeChunks(c, messageId))) {
            // next few chunks, in a new transaction
        }
        // The condition again, though it cannot have changed (see the class comment): cheap insurance.
        return db.transaction("reclaiming message " + messageId,
                c -> Accounts.update(c, "DELETE FROM messages WHERE id = ? AND " + UNREFERENCED, messageId)) == 1;
    }

    /**
     * Deletes the next few chunks (by seq) of a message; false when none were left. Loops on what is
     * left rather than on what this call deleted, so a concurrent reclaimer of the same message (which
     * makes this delete find nothing) cannot end the loop early and leave the rest to the cascade.
     */
    private static boolean deleteSomeChunks(Connection c, long messageId) throws SQLException {
        int first;
        try (PreparedStatement ps = c.prepareStatement("SELECT MIN(seq) FROM message_chunks WHERE message_id = ?")) {
            ps.setLong(1, messageId);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                first = rs.getInt(1);
                if (rs.wasNull()) {
                    return false;
                }
            }
        }
        Accounts.update(c, "DELETE FROM message_chunks WHERE message_id = ? AND seq < ?", messageId, first + CHUNKS_PER_TRANSACTION);
        return true;
    }

    /**
     * Reclaims every message that no mailbox entry or queue row refers to: what a crash between a
     * delete and its reclaim left behind. Uncommitted deliveries are invisible here, so never swept.
     * @return how many messages were reclaimed
     */
    static int sweep(Database db) {
        int total = 0;
        while (true) {
            List<Long> ids = db.read("finding unreferenced messages", c -> {
                List<Long> out = new ArrayList<>();
                try (PreparedStatement ps = c.prepareStatement(
                        "SELECT id FROM messages WHERE " + UNREFERENCED + " ORDER BY id FETCH FIRST " + SWEEP_BATCH + " ROWS ONLY");
                     ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(rs.getLong(1));
                    }
                }
                return out;
            });
            int reclaimed = reclaimAfterCommit(db, ids);
            total += reclaimed;
            if (ids.size() < SWEEP_BATCH || reclaimed == 0) {
                return total;
            }
        }
    }

    /**
     * A message's content after {@code prefix}, streamed from its file ({@code file} non-null) or its chunk
     * rows. A file is opened here, so a message deleted meanwhile is reported now, not halfway through.
     */
    static InputStream open(Database db, long messageId, String file, long size, byte[] prefix) {
        if (file == null) {
            return new ChunkInputStream(db, messageId, size, prefix);
        }
        try {
            return db.files().open(file, prefix);
        } catch (NoSuchFileException e) {
            throw new NotFoundException("message " + messageId + " no longer exists (deleted while being opened)");
        } catch (IOException e) {
            throw new StoreException("cannot read message " + messageId + " from " + file + ": " + e.getMessage(), e);
        }
    }

    /** A message's {@code header_prefix} column (header fields added at the end of data), empty when NULL. */
    static byte[] headerPrefix(byte[] column) {
        return column == null ? new byte[0] : column;
    }

    static byte[] concat(byte[] first, byte[] second) {
        if (second.length == 0) {
            return first;
        }
        byte[] joined = java.util.Arrays.copyOf(first, first.length + second.length);
        System.arraycopy(second, 0, joined, first.length, second.length);
        return joined;
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
}
