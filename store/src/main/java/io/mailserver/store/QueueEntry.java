package io.mailserver.store;

import java.time.Instant;

/** One recipient of one message in the outbound queue. */
public record QueueEntry(long id, long messageId, String queueId, String sender, String recipient, State state, int attempts,
                         Instant createdAt, Instant nextAttemptAt, String lastReply) {
    public enum State { QUEUED, DEFERRED, SENDING, DELIVERED, FAILED }
}
