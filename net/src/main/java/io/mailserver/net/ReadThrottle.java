package io.mailserver.net;

import org.apache.mina.core.buffer.IoBuffer;
import org.apache.mina.core.service.IoProcessor;
import org.apache.mina.core.session.AbstractIoSession;
import org.apache.mina.core.session.AttributeKey;
import org.apache.mina.core.session.IoEvent;
import org.apache.mina.core.session.IoEventType;
import org.apache.mina.core.session.IoSession;
import org.apache.mina.filter.executor.IoEventQueueHandler;

/**
 * Read-side backpressure per session (DESIGN.md contracts 4 and 5). The I/O thread decodes whatever the
 * client sends and queues it for the handler; a client uploading faster than the handler stores would
 * otherwise fill the heap with queued lines. When more than {@code highWater} bytes of one session wait
 * in the executor's queue, reading from that socket is suspended (TCP pushes back on the client);
 * it resumes once the handler has taken the queue below {@code lowWater}. Nothing here blocks a thread.
 */
public final class ReadThrottle implements IoEventQueueHandler {
    private static final AttributeKey STATE = new AttributeKey(ReadThrottle.class, "state");

    private final long highWater;
    private final long lowWater;

    private static final class State {
        long pending;
        boolean suspended;
    }

    public ReadThrottle(long highWater, long lowWater) {
        if (lowWater >= highWater) {
            throw new IllegalArgumentException("low water must be below high water");
        }
        this.highWater = highWater;
        this.lowWater = lowWater;
    }

    @Override
    public boolean accept(Object source, IoEvent event) {
        return true;
    }

    @Override
    public void offered(Object source, IoEvent event) {
        if (event.getType() != IoEventType.MESSAGE_RECEIVED) {
            return;
        }
        IoSession session = event.getSession();
        State state = state(session);
        synchronized (state) {
            state.pending += size(event.getParameter());
            if (!state.suspended && state.pending > highWater) {
                state.suspended = true;
                session.suspendRead();
            }
        }
    }

    @Override
    public void polled(Object source, IoEvent event) {
        if (event.getType() != IoEventType.MESSAGE_RECEIVED) {
            return;
        }
        IoSession session = event.getSession();
        State state = state(session);
        synchronized (state) {
            state.pending -= size(event.getParameter());
            if (state.suspended && state.pending <= lowWater) {
                state.suspended = false;
                session.resumeRead();
                wakeUp(session);
            }
        }
    }

    /**
     * MINA's resumeRead only changes the socket's interest set, which the selector notices when its
     * select() returns: up to a second later (measured: a 50 MB upload took 18 s instead of 1 s). Asking
     * the session's processor to flush (a no-op with nothing queued) wakes the selector at once.
     */
    @SuppressWarnings("unchecked")
    private static void wakeUp(IoSession session) {
        if (session instanceof AbstractIoSession s) {
            ((IoProcessor<IoSession>) s.getProcessor()).flush(session);
        }
    }

    private static State state(IoSession session) {
        State state = (State) session.getAttribute(STATE);
        if (state == null) {
            State fresh = new State();
            state = (State) session.setAttributeIfAbsent(STATE, fresh);
            if (state == null) {
                state = fresh;
            }
        }
        return state;
    }

    private static long size(Object message) {
        if (message instanceof Line line) {
            return line.length() + 2L;
        }
        if (message instanceof IoBuffer buffer) {
            return buffer.remaining();
        }
        return 0;
    }
}
