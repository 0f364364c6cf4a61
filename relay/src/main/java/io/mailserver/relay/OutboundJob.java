package io.mailserver.relay;

import io.mailserver.store.QueueEntry;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** Recipients of one message for one destination, sent in one transaction (at most {@link #MAX_RECIPIENTS}). */
final class OutboundJob {
    /** RFC 5321 4.5.3.1.8: every server accepts at least 100 recipients per transaction. */
    static final int MAX_RECIPIENTS = 100;

    final long messageId;
    final String queueId;
    final String sender;
    final Instant queuedAt;
    final List<QueueEntry> rows = new ArrayList<>();

    OutboundJob(QueueEntry first) {
        this.messageId = first.messageId();
        this.queueId = first.queueId();
        this.sender = first.sender();
        this.queuedAt = first.createdAt();
        rows.add(first);
    }

    boolean accepts(QueueEntry e) {
        return e.messageId() == messageId && rows.size() < MAX_RECIPIENTS;
    }
}
