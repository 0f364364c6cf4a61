package io.mailserver.store.jdbc;

import io.mailserver.store.NotFoundException;
import io.mailserver.store.QueueEntry;
import io.mailserver.store.QueueEntry.State;
import io.mailserver.store.QueueStore;
import java.io.InputStream;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * The outbound queue. A claim locks due rows with {@code FOR UPDATE SKIP LOCKED} (H2 2.3 and PostgreSQL
 * both have it), so concurrent runners on any number of nodes take disjoint rows; the state change to
 * SENDING carries a lease, and a row whose lease ran out (its runner died) is due again.
 *
 * <p>History: DELIVERED rows stay (for {@code mailctl queue list}) but their content is reclaimed once no
 * other row or mailbox needs it; FAILED rows keep their content, so a bounce can be built and the operator
 * can look at what failed. {@link #purge} removes both once they are old enough.
 */
final class JdbcQueue implements QueueStore {
    private static final String COLUMNS =
            "id, message_id, queue_id, sender, recipient, state, attempts, created_at, next_attempt_at, last_reply";
    private static final String DUE = "((state IN ('QUEUED', 'DEFERRED') AND next_attempt_at <= ?) OR (state = 'SENDING' AND lease_until < ?))";

    /**
     * The due rows, one query per state so that each is answered from an index ((state, next_attempt_at)
     * and, for expired leases, (state, lease_until)): one query with an OR of the conditions made H2
     * scan the whole table, DELIVERED history included, on every claim.
     */
    enum DueQuery {
        QUEUED(State.QUEUED, "next_attempt_at <= ?"),
        DEFERRED(State.DEFERRED, "next_attempt_at <= ?"),
        LEASE_EXPIRED(State.SENDING, "lease_until < ?");

        final State state;
        private final String timeCondition;

        DueQuery(State state, String timeCondition) {
            this.state = state;
            this.timeCondition = timeCondition;
        }

        /** Parameters: the state, now, the {@code skipped} domains, the row limit. */
        String sql(int skipped) {
            String notBusy = skipped == 0 ? ""
                    : " AND LOWER(REGEXP_REPLACE(recipient, '^.*@', '')) NOT IN (" + Database.placeholders(skipped) + ")";
            String order = state == State.SENDING ? "lease_until, id" : "next_attempt_at, id";
            return "SELECT id, next_attempt_at FROM outbound_queue WHERE state = ? AND " + timeCondition + notBusy
                    + " ORDER BY " + order + " FETCH FIRST ? ROWS ONLY FOR UPDATE SKIP LOCKED";
        }
    }

    private record Candidate(long id, Instant nextAttempt) {
    }

    private final Database db;

    JdbcQueue(Database db) {
        this.db = db;
    }

    @Override
    public List<QueueEntry> claim(String runnerId, int max, Duration lease) {
        return claim(runnerId, max, lease, List.of());
    }

    /**
     * The domain filter compares the part after the last '@' in lower case (REGEXP_REPLACE means the
     * same on H2 and PostgreSQL). A recipient it misjudges (a trailing dot) is merely claimed early.
     */
    @Override
    public List<QueueEntry> claim(String runnerId, int max, Duration lease, Collection<String> skipDomains) {
        List<String> skip = List.copyOf(skipDomains);
        if (max <= 0) {
            return List.of();
        }
        Instant now = Database.now();
        Instant leaseUntil = now.plus(lease);
        return db.transaction("claiming queue rows", c -> {
            List<Candidate> due = new ArrayList<>();
            for (DueQuery q : DueQuery.values()) {
                try (PreparedStatement ps = c.prepareStatement(q.sql(skip.size()))) {
                    ps.setString(1, q.state.name());
                    Database.setInstant(ps, 2, now);
                    int p = 3;
                    for (String domain : skip) {
                        ps.setString(p++, domain);
                    }
                    ps.setInt(p, max);
                    try (ResultSet rs = ps.executeQuery()) {
                        while (rs.next()) {
                            due.add(new Candidate(rs.getLong(1), Database.getInstant(rs, "next_attempt_at")));
                        }
                    }
                }
            }
            // Oldest first across the three, as one ORDER BY next_attempt_at, id over all of them would.
            // Rows beyond max stay locked (unclaimed) only until this short transaction ends.
            due.sort(Comparator.comparing(Candidate::nextAttempt).thenComparingLong(Candidate::id));
            List<Long> candidates = due.stream().limit(max).map(Candidate::id).toList();
            List<QueueEntry> claimed = new ArrayList<>();
            // The update repeats the due test, so a row another runner claimed and committed meanwhile
            // is not taken twice even if the database's SKIP LOCKED read an older version of it.
            try (PreparedStatement ps = c.prepareStatement(
                    "UPDATE outbound_queue SET state = 'SENDING', claimed_by = ?, lease_until = ? WHERE id = ? AND " + DUE)) {
                for (long id : candidates) {
                    ps.setString(1, runnerId);
                    Database.setInstant(ps, 2, leaseUntil);
                    ps.setLong(3, id);
                    Database.setInstant(ps, 4, now);
                    Database.setInstant(ps, 5, now);
                    if (ps.executeUpdate() == 1) {
                        find(c, id).ifPresent(claimed::add);
                    }
                }
            }
            return claimed;
        });
    }

    @Override
    public int renewLease(String runnerId, Collection<Long> ids, Duration lease) {
        if (ids.isEmpty()) {
            return 0;
        }
        Instant until = Database.now().plus(lease);
        return db.transaction("renewing queue leases", c -> {
            int kept = 0;
            for (List<Long> batch : Database.batches(ids, 500)) {
                try (PreparedStatement ps = c.prepareStatement("UPDATE outbound_queue SET lease_until = ? WHERE state = 'SENDING' AND claimed_by = ?"
                        + " AND id IN (" + Database.placeholders(batch.size()) + ")")) {
                    Database.setInstant(ps, 1, until);
                    ps.setString(2, runnerId);
                    int p = 3;
                    for (long id : batch) {
                        ps.setLong(p++, id);
                    }
                    kept += ps.executeUpdate();
                }
            }
            return kept;
        });
    }

    @Override
    public void release(String runnerId, Collection<Long> ids) {
        if (ids.isEmpty()) {
            return;
        }
        db.write("giving back claimed queue rows", c -> {
            for (List<Long> batch : Database.batches(ids, 500)) {
                try (PreparedStatement ps = c.prepareStatement("UPDATE outbound_queue SET state = CASE WHEN attempts = 0 THEN 'QUEUED' ELSE 'DEFERRED' END,"
                        + " claimed_by = NULL, lease_until = NULL WHERE state = 'SENDING' AND claimed_by = ? AND id IN ("
                        + Database.placeholders(batch.size()) + ")")) {
                    ps.setString(1, runnerId);
                    int p = 2;
                    for (long id : batch) {
                        ps.setLong(p++, id);
                    }
                    ps.executeUpdate();
                }
            }
            return null;
        });
    }

    @Override
    public boolean markDelayNoticeSent(long id) {
        return db.write("recording the delay notice of queue row " + id,
                c -> Accounts.update(c, "UPDATE outbound_queue SET delay_notice_sent = TRUE WHERE id = ? AND delay_notice_sent = FALSE", id) == 1);
    }

    @Override
    public void markDelivered(long id, String reply) {
        finish(id, State.DELIVERED, null, reply);
    }

    @Override
    public void markDeferred(long id, Instant nextAttempt, String reply) {
        finish(id, State.DEFERRED, nextAttempt, reply);
    }

    @Override
    public void markFailed(long id, String reply) {
        finish(id, State.FAILED, null, reply);
    }

    /**
     * Records an attempt's outcome. A row the operator deleted meanwhile is ignored: the runner did its
     * work, there is nothing left to record.
     */
    private void finish(long id, State state, Instant nextAttempt, String reply) {
        Optional<Long> message = db.write("recording the outcome of queue row " + id, c -> {
            Optional<Long> referred = Accounts.longValue(c, "SELECT message_id FROM outbound_queue WHERE id = ?", id);
            if (referred.isEmpty()) {
                return referred;
            }
            boolean finished = state == State.DELIVERED || state == State.FAILED;
            try (PreparedStatement ps = c.prepareStatement("UPDATE outbound_queue SET state = ?, attempts = attempts + 1, last_reply = ?,"
                    + " next_attempt_at = COALESCE(?, next_attempt_at), claimed_by = NULL, lease_until = NULL, finished_at = ? WHERE id = ?")) {
                ps.setString(1, state.name());
                ps.setString(2, truncate(reply));
                Database.setInstant(ps, 3, nextAttempt);
                Database.setInstant(ps, 4, finished ? Database.now() : null);
                ps.setLong(5, id);
                ps.executeUpdate();
            }
            return referred;
        });
        if (state == State.DELIVERED) {
            Contents.reclaimAfterCommit(db, message.stream().toList());
        }
    }

    private static String truncate(String reply) {
        return reply == null || reply.length() <= 2000 ? reply : reply.substring(0, 2000);
    }

    @Override
    public List<QueueEntry> list() {
        return db.read("listing the queue", c -> {
            List<QueueEntry> out = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT " + COLUMNS + " FROM outbound_queue ORDER BY id");
                 ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(entry(rs));
                }
            }
            return out;
        });
    }

    @Override
    public Optional<QueueEntry> find(long id) {
        return db.read("finding queue row " + id, c -> find(c, id));
    }

    private static Optional<QueueEntry> find(Connection c, long id) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT " + COLUMNS + " FROM outbound_queue WHERE id = ?")) {
            ps.setLong(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(entry(rs)) : Optional.empty();
            }
        }
    }

    @Override
    public int retryNow(Optional<Long> id) {
        Instant now = Database.now();
        return db.write("rescheduling the queue", c -> {
            String sql = "UPDATE outbound_queue SET next_attempt_at = ? WHERE state IN ('QUEUED', 'DEFERRED')" + (id.isPresent() ? " AND id = ?" : "");
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                Database.setInstant(ps, 1, now);
                if (id.isPresent()) {
                    ps.setLong(2, id.get());
                }
                return ps.executeUpdate();
            }
        });
    }

    @Override
    public boolean delete(long id) {
        Optional<Long> message = db.write("deleting queue row " + id, c -> {
            Optional<Long> referred = Accounts.longValue(c, "SELECT message_id FROM outbound_queue WHERE id = ?", id);
            if (referred.isPresent()) {
                Accounts.update(c, "DELETE FROM outbound_queue WHERE id = ?", id);
            }
            return referred;
        });
        Contents.reclaimAfterCommit(db, message.stream().toList());
        return message.isPresent();
    }

    @Override
    public int purge(Instant finishedBefore) {
        List<Long> messages = new ArrayList<>();
        int removed = db.write("purging finished queue rows", c -> {
            String finished = "state IN ('DELIVERED', 'FAILED') AND finished_at < ?";
            messages.clear();
            messages.addAll(Contents.messagesOf(c, "outbound_queue", finished,
                    OffsetDateTime.ofInstant(finishedBefore, ZoneOffset.UTC)));
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM outbound_queue WHERE " + finished)) {
                Database.setInstant(ps, 1, finishedBefore);
                return ps.executeUpdate();
            }
        });
        Contents.reclaimAfterCommit(db, messages);
        return removed;
    }

    @Override
    public InputStream openContent(long messageId) {
        return db.read("opening message " + messageId, c -> {
            Optional<Long> size = Accounts.longValue(c, "SELECT size FROM messages WHERE id = ?", messageId);
            if (size.isEmpty()) {
                throw new NotFoundException("no message " + messageId + " (delivered and reclaimed, or deleted)");
            }
            return new ChunkInputStream(db, messageId, size.get(), new byte[0]);
        });
    }

    private static QueueEntry entry(ResultSet rs) throws SQLException {
        return new QueueEntry(rs.getLong("id"), rs.getLong("message_id"), rs.getString("queue_id"), rs.getString("sender"),
                rs.getString("recipient"), State.valueOf(rs.getString("state")), rs.getInt("attempts"),
                Database.getInstant(rs, "created_at"), Database.getInstant(rs, "next_attempt_at"), rs.getString("last_reply"));
    }
}
