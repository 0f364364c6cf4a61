package io.mailserver.store;

import java.io.InputStream;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Optional;

/**
 * The outbound queue. Rows are claimed with a lease, so two runners (two nodes) never send one
 * recipient twice and a crashed runner's rows come back when the lease ends.
 */
public interface QueueStore {
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

    void markDelivered(long id, String reply);

    void markDeferred(long id, Instant nextAttempt, String reply);

    void markFailed(long id, String reply);

    List<QueueEntry> list();

    Optional<QueueEntry> find(long id);

    /** Makes one row (or all waiting rows when id is empty) due now; returns how many. */
    int retryNow(Optional<Long> id);

    /** Removes a row (and reclaims content no one else uses). */
    boolean delete(long id);

    /**
     * Removes DELIVERED and FAILED rows that finished before {@code finishedBefore} (reclaiming content no
     * one else uses); returns how many. Finished rows are kept until then as history for
     * {@code mailctl queue list}; a FAILED row keeps its content meanwhile.
     */
    int purge(Instant finishedBefore);

    /** The message as queued (without Return-Path), streamed. */
    InputStream openContent(long messageId);
}
