package io.mailserver.net;

import org.apache.mina.core.session.IoSession;

/**
 * Replies a client has not read yet. A client that pipelines commands without ever reading the answers would
 * grow its session's write queue without end: every command of the input the {@link ReadThrottle} lets in
 * becomes a queued reply, a few hundred bytes of heap each (write request, future, buffer) however short the
 * reply. So a handler takes no more input from a session whose backlog {@link #isFull}: it holds the lines
 * (charged by the throttle, which then stops reading) and goes on once the client has read the backlog down to
 * {@link #isDrained} (the handler learns it from {@code messageSent}). A client that never reads is cut off by
 * the idle timeout.
 */
public final class ReplyBacklog {
    /** Unsent reply bytes beyond which input waits: far more than a burst of pipelined replies (RFC 2920). */
    static final int FULL_BYTES = 16 * 1024;
    /** Queued write requests beyond which input waits (a reply is one or two of them). */
    static final int FULL_WRITES = 64;

    private ReplyBacklog() {
    }

    public static boolean isFull(IoSession session) {
        return session.getScheduledWriteBytes() > FULL_BYTES || queuedWrites(session) > FULL_WRITES;
    }

    public static boolean isDrained(IoSession session) {
        return session.getScheduledWriteBytes() <= FULL_BYTES / 4 && queuedWrites(session) <= FULL_WRITES / 4;
    }

    private static int queuedWrites(IoSession session) {
        return session.isConnected() ? session.getWriteRequestQueue().size() : 0;
    }
}
