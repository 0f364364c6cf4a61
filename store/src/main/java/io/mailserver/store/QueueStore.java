package io.mailserver.store;

import java.io.InputStream;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * The outbound queue. Rows are claimed with a lease, so two runners (two nodes) never send one
 * recipient twice and a crashed runner's rows come back when the lease ends.
 */
public interface QueueStore {
    /** Claims up to {@code max} due rows (QUEUED/DEFERRED with next attempt passed, or SENDING with an expired lease). */
    List<QueueEntry> claim(String runnerId, int max, Duration lease);

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
