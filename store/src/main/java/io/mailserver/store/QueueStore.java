package io.mailserver.store;

import java.io.InputStream;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Optional;

/**
 * The outbound queue. Rows are claimed with a lease, so two runners (two nodes) never send one
 * recipient twice and a crashed runner's rows come back when the lease ends. An outcome is recorded
 * only by the claim that still holds the row: a runner that stalled past its lease, while another
 * runner claimed the row, cannot overwrite the newer claim's outcome.
 */
public interface QueueStore {
    /** What became of an outcome a runner reported for a row it had claimed. */
    enum MarkResult {
        /** The row now shows the outcome. */
        RECORDED,
        /** The row is gone (deleted by the operator, or purged): there is nothing to record. */
        ROW_GONE,
        /**
         * The row no longer belongs to this claim: its lease lapsed and another claim took the row since
         * (or this claim's outcome was recorded already). Nothing was changed; the newer claim's outcome stands.
         */
        CLAIM_LOST
    }

    /** What a purge removed: queue rows, and the messages (and their content bytes) nothing referred to any more. */
    record Purged(long rows, long messages, long bytes) {
    }

    /** Claims up to {@code max} due rows (QUEUED/DEFERRED with next attempt passed, or SENDING with an expired lease). */
    List<QueueEntry> claim(String runnerId, int max, Duration lease);

    /**
     * Like {@link #claim(String, int, Duration)}, but leaves out rows whose recipient domain (lower
     * case, as {@link MailAddress#normalizedDomain()}) is in {@code skipDomains}: the queue runner
     * skips destinations that already have enough work, so a slow one does not fill its window.
     */
    List<QueueEntry> claim(String runnerId, int max, Duration lease, Collection<String> skipDomains);

    /** Extends the lease of rows this runner still holds (state SENDING, owner runnerId); returns how many it holds. */
    int renewLease(String runnerId, Collection<Long> ids, Duration lease);

    /** Gives claimed rows back unattempted (no attempt counted, due as before), e.g. at shutdown. */
    void release(String runnerId, Collection<Long> ids);

    /** Records that the delay notice for this row was sent; true only the first time (so it is sent once). */
    boolean markDelayNoticeSent(long id);

    /**
     * Of these rows (as returned by {@link #claim}), those whose claim still holds them; their leases are
     * extended by {@code lease}. A runner asks before it tells a sender that delivery failed, so that a row
     * another runner has taken over is not reported twice.
     */
    List<QueueEntry> confirmClaims(Collection<QueueEntry> claimed, Duration lease);

    /** Records a delivery, if {@code claimed}'s claim still holds the row; its content is then reclaimed unless still needed. */
    MarkResult markDelivered(QueueEntry claimed, String reply);

    /** Records a temporary failure and the next attempt, if {@code claimed}'s claim still holds the row. */
    MarkResult markDeferred(QueueEntry claimed, Instant nextAttempt, String reply);

    /** Records a permanent failure, if {@code claimed}'s claim still holds the row; the row keeps its content until purged. */
    MarkResult markFailed(QueueEntry claimed, String reply);

    List<QueueEntry> list();

    /** How many rows are in each state, and when the oldest row still waiting to be sent was queued. */
    record Summary(java.util.Map<QueueEntry.State, Long> rows, Optional<Instant> oldestWaiting) {}

    /** The queue at a glance (for metrics): this default reads every row; the store answers with one query. */
    default Summary summary() {
        java.util.Map<QueueEntry.State, Long> rows = new java.util.EnumMap<>(QueueEntry.State.class);
        Optional<Instant> oldest = Optional.empty();
        for (QueueEntry e : list()) {
            rows.merge(e.state(), 1L, Long::sum);
            boolean waiting = e.state() == QueueEntry.State.QUEUED || e.state() == QueueEntry.State.DEFERRED
                    || e.state() == QueueEntry.State.SENDING;
            if (waiting && (oldest.isEmpty() || e.createdAt().isBefore(oldest.get()))) {
                oldest = Optional.of(e.createdAt());
            }
        }
        return new Summary(rows, oldest);
    }

    Optional<QueueEntry> find(long id);

    /** Makes one row (or all waiting rows when id is empty) due now; returns how many. */
    int retryNow(Optional<Long> id);

    /** Removes a row (and reclaims content no one else uses). */
    boolean delete(long id);

    /**
     * Removes DELIVERED and FAILED rows that finished before {@code finishedBefore}, a bounded batch per
     * transaction, and reclaims the content no one else uses. Finished rows are kept until then as history
     * for {@code mailctl queue list}; a FAILED row keeps its content meanwhile.
     */
    Purged purge(Instant finishedBefore);

    /** The message as queued (without Return-Path), streamed. */
    InputStream openContent(long messageId);
}
