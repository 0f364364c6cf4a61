package io.mailserver.store;

import java.time.Instant;

/**
 * One recipient of one message in the outbound queue.
 *
 * @param claim the claim that returned this row ({@link QueueStore#claim}); null for rows read any other way
 *              ({@code list}, {@code find}), which therefore cannot record an outcome
 */
public record QueueEntry(long id, long messageId, String queueId, String sender, String recipient, State state, int attempts,
                         Instant createdAt, Instant nextAttemptAt, String lastReply, Claim claim) {
    public enum State { QUEUED, DEFERRED, SENDING, DELIVERED, FAILED }

    /**
     * Who claimed the row, and which claim it was: every claim writes a new token, so a runner that claims
     * a row again after its own lease lapsed holds a different claim than before.
     */
    public record Claim(String runnerId, String token) {
    }
}
