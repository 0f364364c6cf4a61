package io.mailserver.store.jdbc;

import io.mailserver.store.NotFoundException;
import io.mailserver.store.QueueEntry;
import io.mailserver.store.QueueEntry.Claim;
import io.mailserver.store.QueueEntry.State;
import io.mailserver.store.QueueStore;
import java.io.InputStream;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;

/**
 * The outbound queue. A claim locks due rows with {@code FOR UPDATE SKIP LOCKED} (H2 2.3 and PostgreSQL
 * both have it), so concurrent runners on any number of nodes take disjoint rows; the state change to
 * SENDING carries a lease, and a row whose lease ran out (its runner died) is due again.
 *
 * <p>Ownership: every claim writes its runner and a fresh token ({@code claimed_by}, {@code claim_token}),
 * and an outcome is recorded only where both still match, in one conditional update. A runner that
 * stalled past its lease while another runner claimed the row and finished it gets
 * {@link MarkResult#CLAIM_LOST} and changes nothing. Both columns are checked because a node of the
 * previous version claims rows without writing a token: it still replaces {@code claimed_by}.
 *
 * <p>History: DELIVERED rows stay (for {@code mailctl queue list}) but their content is reclaimed once no
 * other row or mailbox needs it; FAILED rows keep their content, so a bounce can be built and the operator
 * can look at what failed. {@link #purge} removes both once they are old enough.
 */
final class JdbcQueue implements QueueStore {
    private static final String COLUMNS =
            "id, message_id, queue_id, sender, recipient, state, attempts, created_at, next_attempt_at, last_reply";
    /** The row is still in the claim that returned it: parameters id, runner, token. */
    private static final String HELD_BY_CLAIM = "id = ? AND state = 'SENDING' AND claimed_by = ? AND claim_token = ?";
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

    /** Finished rows deleted per transaction by {@link #purge}: H2 keeps a transaction's deleted rows in memory until it ends. */
    static final int PURGE_BATCH = 1_000;

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
        Claim claim = new Claim(runnerId, UUID.randomUUID().toString());
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
                    "UPDATE outbound_queue SET state = 'SENDING', claimed_by = ?, claim_token = ?, lease_until = ? WHERE id = ? AND " + DUE)) {
                for (long id : candidates) {
                    ps.setString(1, claim.runnerId());
                    ps.setString(2, claim.token());
                    Database.setInstant(ps, 3, leaseUntil);
                    ps.setLong(4, id);
                    Database.setInstant(ps, 5, now);
                    Database.setInstant(ps, 6, now);
                    if (ps.executeUpdate() == 1) {
                        find(c, id, claim).ifPresent(claimed::add);
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
                        + " claimed_by = NULL, claim_token = NULL, lease_until = NULL WHERE state = 'SENDING' AND claimed_by = ? AND id IN ("
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
    public List<QueueEntry> confirmClaims(Collection<QueueEntry> claimed, Duration lease) {
        if (claimed.isEmpty()) {
            return List.of();
        }
        Instant until = Database.now().plus(lease);
        return db.transaction("confirming queue claims", c -> {
            List<QueueEntry> held = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("UPDATE outbound_queue SET lease_until = ? WHERE " + HELD_BY_CLAIM)) {
                for (QueueEntry row : claimed) {
                    Database.setInstant(ps, 1, until);
                    setHeldByClaim(ps, 2, row);
                    if (ps.executeUpdate() == 1) {
                        held.add(row);
                    }
                }
            }
            return held;
        });
    }

    @Override
    public MarkResult markDelivered(QueueEntry claimed, String reply) {
        return finish(claimed, State.DELIVERED, null, reply);
    }

    @Override
    public MarkResult markDeferred(QueueEntry claimed, Instant nextAttempt, String reply) {
        return finish(claimed, State.DEFERRED, nextAttempt, reply);
    }

    @Override
    public MarkResult markFailed(QueueEntry claimed, String reply) {
        return finish(claimed, State.FAILED, null, reply);
    }

    private static void setHeldByClaim(PreparedStatement ps, int first, QueueEntry row) throws SQLException {
        Claim claim = row.claim();
        if (claim == null) {
            throw new IllegalArgumentException("queue row " + row.id() + " was not returned by a claim");
        }
        ps.setLong(first, row.id());
        ps.setString(first + 1, claim.runnerId());
        ps.setString(first + 2, claim.token());
    }

    /**
     * Records an attempt's outcome with one update that holds only while the row is still in this claim
     * (see the class comment); nothing changes otherwise, and the caller learns why.
     */
    private MarkResult finish(QueueEntry claimed, State state, Instant nextAttempt, String reply) {
        boolean finished = state == State.DELIVERED || state == State.FAILED;
        MarkResult result = db.write("recording the outcome of queue row " + claimed.id(), c -> {
            try (PreparedStatement ps = c.prepareStatement("UPDATE outbound_queue SET state = ?, attempts = attempts + 1, last_reply = ?,"
                    + " next_attempt_at = COALESCE(?, next_attempt_at), claimed_by = NULL, claim_token = NULL, lease_until = NULL,"
                    + " finished_at = ? WHERE " + HELD_BY_CLAIM)) {
                ps.setString(1, state.name());
                ps.setString(2, truncate(reply));
                Database.setInstant(ps, 3, nextAttempt);
                Database.setInstant(ps, 4, finished ? Database.now() : null);
                setHeldByClaim(ps, 5, claimed);
                if (ps.executeUpdate() == 1) {
                    return MarkResult.RECORDED;
                }
            }
            return find(c, claimed.id(), null).isPresent() ? MarkResult.CLAIM_LOST : MarkResult.ROW_GONE;
        });
        if (state == State.DELIVERED && result == MarkResult.RECORDED) {
            Contents.reclaimAfterCommit(db, List.of(claimed.messageId()));
        }
        return result;
    }

    private static String truncate(String reply) {
        return reply == null || reply.length() <= 2000 ? reply : reply.substring(0, 2000);
    }

    @Override
    public Summary summary() {
        return db.read("summing up the queue", c -> {
            java.util.Map<QueueEntry.State, Long> rows = new java.util.EnumMap<>(QueueEntry.State.class);
            Optional<Instant> oldest = Optional.empty();
            try (PreparedStatement ps = c.prepareStatement("SELECT state, COUNT(*) AS n, MIN(created_at) AS oldest FROM outbound_queue GROUP BY state");
                 ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    QueueEntry.State state = QueueEntry.State.valueOf(rs.getString("state"));
                    rows.put(state, rs.getLong("n"));
                    Instant first = Database.getInstant(rs, "oldest");
                    boolean waiting = state == QueueEntry.State.QUEUED || state == QueueEntry.State.DEFERRED || state == QueueEntry.State.SENDING;
                    if (waiting && first != null && (oldest.isEmpty() || first.isBefore(oldest.get()))) {
                        oldest = Optional.of(first);
                    }
                }
            }
            return new Summary(rows, oldest);
        });
    }

    @Override
    public List<QueueEntry> list() {
        return db.read("listing the queue", c -> {
            List<QueueEntry> out = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT " + COLUMNS + " FROM outbound_queue ORDER BY id");
                 ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(entry(rs, null));
                }
            }
            return out;
        });
    }

    @Override
    public Optional<QueueEntry> find(long id) {
        return db.read("finding queue row " + id, c -> find(c, id, null));
    }

    private static Optional<QueueEntry> find(Connection c, long id, Claim claim) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT " + COLUMNS + " FROM outbound_queue WHERE id = ?")) {
            ps.setLong(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(entry(rs, claim)) : Optional.empty();
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

    /**
     * One state at a time, oldest first, {@link #PURGE_BATCH} rows per transaction: the first purge after an
     * upgrade (or after a long retention was shortened) may have hundreds of thousands of rows to remove,
     * and one DELETE of 200,000 rows held its transaction open for over a minute on H2. Each batch is read
     * from {@code outbound_queue_finished_ix} on (state, finished_at), and its content is reclaimed right
     * after its commit, the way a POP3 delete reclaims (see {@link Contents}). Concurrent purges (two nodes)
     * are harmless: a row the other one deleted is simply not counted.
     */
    @Override
    public Purged purge(Instant finishedBefore) {
        long rows = 0;
        long messages = 0;
        long bytes = 0;
        for (State state : List.of(State.DELIVERED, State.FAILED)) {
            while (true) {
                List<FinishedRow> batch = finishedRows(state, finishedBefore);
                if (batch.isEmpty()) {
                    break;
                }
                rows += db.write("purging finished queue rows", c -> {
                    try (PreparedStatement ps = c.prepareStatement("DELETE FROM outbound_queue WHERE state = ? AND id IN ("
                            + Database.placeholders(batch.size()) + ")")) {
                        ps.setString(1, state.name());
                        int p = 2;
                        for (FinishedRow r : batch) {
                            ps.setLong(p++, r.id());
                        }
                        return ps.executeUpdate();
                    }
                });
                Set<Long> referred = new TreeSet<>();
                batch.forEach(r -> referred.add(r.messageId()));
                // a delivered row's content is usually gone already: only messages still there are worth a reclaim
                Map<Long, Long> sizes = messageSizes(referred);
                for (long message : new TreeSet<>(sizes.keySet())) {
                    if (Contents.reclaimAfterCommit(db, List.of(message)) == 1) {
                        messages++;
                        bytes += sizes.get(message);
                    }
                }
                if (batch.size() < PURGE_BATCH) {
                    break;
                }
            }
        }
        return new Purged(rows, messages, bytes);
    }

    private record FinishedRow(long id, long messageId) {
    }

    /** Up to {@link #PURGE_BATCH} rows of {@code state} that finished before the cutoff, oldest first. */
    private List<FinishedRow> finishedRows(State state, Instant before) {
        return db.read("finding finished queue rows", c -> {
            List<FinishedRow> rows = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement(finishedRowsSql())) {
                ps.setString(1, state.name());
                Database.setInstant(ps, 2, before);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        rows.add(new FinishedRow(rs.getLong("id"), rs.getLong("message_id")));
                    }
                }
            }
            return rows;
        });
    }

    /**
     * Parameters: the state, the cutoff. Ordered by both index columns although the state is fixed: only
     * then does H2 read the index in order and stop after one batch ("index sorted"); ordered by
     * finished_at alone it sorted every finished row for each batch (seconds per batch at 200,000 rows).
     */
    static String finishedRowsSql() {
        return "SELECT id, message_id FROM outbound_queue WHERE state = ? AND finished_at < ?"
                + " ORDER BY state, finished_at FETCH FIRST " + PURGE_BATCH + " ROWS ONLY";
    }

    /** Content sizes of those messages that still exist, read before they are reclaimed. */
    private Map<Long, Long> messageSizes(Collection<Long> messageIds) {
        return db.read("reading message sizes", c -> {
            Map<Long, Long> sizes = new HashMap<>();
            for (List<Long> ids : Database.batches(new TreeSet<>(messageIds), 500)) {
                try (PreparedStatement ps = c.prepareStatement("SELECT id, size FROM messages WHERE id IN (" + Database.placeholders(ids.size()) + ")")) {
                    int p = 1;
                    for (long id : ids) {
                        ps.setLong(p++, id);
                    }
                    try (ResultSet rs = ps.executeQuery()) {
                        while (rs.next()) {
                            sizes.put(rs.getLong(1), rs.getLong(2));
                        }
                    }
                }
            }
            return sizes;
        });
    }

    @Override
    public InputStream openContent(long messageId) {
        return db.read("opening message " + messageId, c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT size, content_file, header_prefix FROM messages WHERE id = ?")) {
                ps.setLong(1, messageId);
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) {
                        throw new NotFoundException("no message " + messageId + " (delivered and reclaimed, or deleted)");
                    }
                    byte[] headers = Contents.headerPrefix(rs.getBytes(3));
                    return Contents.open(db, messageId, rs.getString(2), rs.getLong(1) - headers.length, headers);
                }
            }
        });
    }

    private static QueueEntry entry(ResultSet rs, Claim claim) throws SQLException {
        return new QueueEntry(rs.getLong("id"), rs.getLong("message_id"), rs.getString("queue_id"), rs.getString("sender"),
                rs.getString("recipient"), State.valueOf(rs.getString("state")), rs.getInt("attempts"),
                Database.getInstant(rs, "created_at"), Database.getInstant(rs, "next_attempt_at"), rs.getString("last_reply"), claim);
    }
}
