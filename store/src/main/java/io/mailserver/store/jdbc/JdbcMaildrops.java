package io.mailserver.store.jdbc;

import io.mailserver.store.MaildropEntry;
import io.mailserver.store.MaildropStore;
import io.mailserver.store.NotFoundException;
import java.io.InputStream;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/** The POP3 side of the store (RFC 1939): an exclusive lock held in the database, so it holds across nodes. */
final class JdbcMaildrops implements MaildropStore {
    private static final int IN_LIST = 500;
    private final Database db;

    JdbcMaildrops(Database db) {
        this.db = db;
    }

    /**
     * Insert the lock row; if one exists, take it over only when it has expired. Both steps are single
     * statements: the primary key makes the insert atomic, and the conditional update lets one of two
     * racing takers win.
     */
    @Override
    public Optional<Lock> tryLock(long userId, Duration ttl) {
        String token = UUID.randomUUID().toString();
        Instant now = Database.now();
        Instant expires = now.plus(ttl);
        return db.read("locking the maildrop of user #" + userId, c -> {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO maildrop_locks (user_id, token, expires_at) VALUES (?, ?, ?)")) {
                ps.setLong(1, userId);
                ps.setString(2, token);
                Database.setInstant(ps, 3, expires);
                ps.executeUpdate();
                return Optional.of(new Lock(userId, token));
            } catch (SQLException e) {
                if (!Database.isUniqueViolation(e)) {
                    throw e;
                }
            }
            try (PreparedStatement ps = c.prepareStatement(
                    "UPDATE maildrop_locks SET token = ?, expires_at = ? WHERE user_id = ? AND expires_at < ?")) {
                ps.setString(1, token);
                Database.setInstant(ps, 2, expires);
                ps.setLong(3, userId);
                Database.setInstant(ps, 4, now);
                return ps.executeUpdate() == 1 ? Optional.of(new Lock(userId, token)) : Optional.empty();
            }
        });
    }

    @Override
    public boolean refresh(Lock lock, Duration ttl) {
        Instant expires = Database.now().plus(ttl);
        return db.read("refreshing the maildrop lock of user #" + lock.userId(), c -> Accounts.update(c,
                "UPDATE maildrop_locks SET expires_at = ? WHERE user_id = ? AND token = ?",
                OffsetDateTime.ofInstant(expires, ZoneOffset.UTC), lock.userId(), lock.token()) == 1);
    }

    @Override
    public void unlock(Lock lock) {
        db.read("unlocking the maildrop of user #" + lock.userId(), c -> Accounts.update(c,
                "DELETE FROM maildrop_locks WHERE user_id = ? AND token = ?", lock.userId(), lock.token()));
    }

    @Override
    public List<MaildropEntry> snapshot(long userId) {
        return db.read("listing the maildrop of user #" + userId, c -> {
            List<MaildropEntry> out = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT id, size FROM mailbox_entries WHERE user_id = ? ORDER BY id")) {
                ps.setLong(1, userId);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(new MaildropEntry(rs.getLong(1), rs.getLong(2)));
                    }
                }
            }
            return out;
        });
    }

    @Override
    public InputStream open(long userId, long uid) {
        return db.read("opening message " + uid + " of user #" + userId, c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT m.id, m.sender, m.size, m.content_file, m.header_prefix FROM mailbox_entries e JOIN messages m ON m.id = e.message_id"
                            + " WHERE e.user_id = ? AND e.id = ?")) {
                ps.setLong(1, userId);
                ps.setLong(2, uid);
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) {
                        throw new NotFoundException("no message " + uid + " in the maildrop of user #" + userId);
                    }
                    byte[] headers = Contents.headerPrefix(rs.getBytes(5));
                    return Contents.open(db, rs.getLong(1), rs.getString(4), rs.getLong(3) - headers.length,
                            Contents.concat(JdbcDelivery.returnPathLine(rs.getString(2)), headers));
                }
            }
        });
    }

    @Override
    public int delete(long userId, Collection<Long> uids) {
        List<Long> messages = new ArrayList<>();
        int remaining = db.write("deleting messages of user #" + userId, c -> {
            messages.clear();
            for (List<Long> batch : Database.batches(uids, IN_LIST)) {
                String in = "user_id = ? AND id IN (" + Database.placeholders(batch.size()) + ")";
                Object[] params = new Object[batch.size() + 1];
                params[0] = userId;
                for (int i = 0; i < batch.size(); i++) {
                    params[i + 1] = batch.get(i);
                }
                messages.addAll(Contents.messagesOf(c, "mailbox_entries", in, params));
                Accounts.update(c, "DELETE FROM mailbox_entries WHERE " + in, params);
            }
            return Accounts.longValue(c, "SELECT COUNT(*) FROM mailbox_entries WHERE user_id = ?", userId).orElse(0L).intValue();
        });
        Contents.reclaimAfterCommit(db, messages);
        return remaining;
    }
}
