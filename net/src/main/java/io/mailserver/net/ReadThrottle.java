package io.mailserver.net;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.function.BiConsumer;

import org.apache.mina.core.buffer.IoBuffer;
import org.apache.mina.core.service.IoProcessor;
import org.apache.mina.core.session.AbstractIoSession;
import org.apache.mina.core.session.AttributeKey;
import org.apache.mina.core.session.IoEvent;
import org.apache.mina.core.session.IoEventType;
import org.apache.mina.core.session.IoSession;
import org.apache.mina.filter.executor.IoEventQueueHandler;
import io.mailserver.session.Line;

/**
 * Bounds the heap one session's input can pin (docs/design.md, contracts 4 and 5). The I/O thread decodes what the
 * client sends into {@link Line}s that wait for the handler; a client sending faster than its handler works
 * (a slow store, a tarpit, replies it never reads) would otherwise fill the heap with them.
 *
 * <p>Each line is charged its heap cost, not its length: an empty line is 2 bytes on the wire but 96 bytes of
 * heap while it waits ({@link #cost}). It is charged when the {@link LineDecoder} makes it and released when the
 * handler takes it; a handler that keeps a line to answer it later, in order ({@link #hold}), keeps it charged
 * until {@link #release}. Once more than {@code highWater} is charged, the decoder stops: the rest of the
 * buffer in hand is parked undecoded (raw bytes cost one byte each) and reading from the socket is suspended, so
 * TCP pushes back on the client. Once the handler has brought the charge down to {@code lowWater}, the parked
 * bytes are decoded (on the thread that released, through {@code redecode}) and reading resumes.
 *
 * <p>So a session pins at most {@code highWater} plus one line (at most the decoder's fragment size plus
 * {@link #cost} overhead) of decoded input, plus its parked bytes: at most one read (the socket read buffer)
 * and one TLS record. Nothing here blocks a thread.
 */
public final class ReadThrottle implements IoEventQueueHandler {
    private static final AttributeKey STATE = new AttributeKey(ReadThrottle.class, "state");

    /**
     * Heap of one queued line beyond its bytes, measured with {@code jcmd GC.class_histogram} over 200,000 empty
     * lines queued behind a blocked handler (64-bit JVM, compressed oops, i.e. heaps below 32 GB): MINA's
     * {@code IoFilterEvent} 32 B, the ordered executor's queue node 24 B, the {@link Line} 24 B. Its byte array
     * adds a 16 B header, the whole rounded up to 8 B: 96 B for an empty line.
     */
    static final long LINE_OVERHEAD = 32 + 24 + 24;
    private static final long ARRAY_HEADER = 16;

    private final long highWater;
    private final long lowWater;
    /** Feeds parked bytes back into the session's decoder, after any filter that already saw them. */
    private final BiConsumer<IoSession, IoBuffer> redecode;

    private static final class State {
        /** Null when {@link #stopReading} came before any line: there is nothing to account for then. */
        final ReadThrottle owner;
        long pending;
        boolean suspended;
        /** Bytes read but not yet decoded, oldest first; non-empty only while reading is suspended. */
        final Deque<IoBuffer> parked = new ArrayDeque<>();
        /** The parked buffer being fed back to the decoder, until the decoder takes it; null otherwise. */
        IoBuffer feeding;
        /** A feed-back is under way (reading stays suspended meanwhile). */
        boolean redecoding;
        /** The session is closing: nothing more is read or decoded. */
        boolean closing;

        State(ReadThrottle owner) {
            this.owner = owner;
        }
    }

    public ReadThrottle(long highWater, long lowWater, BiConsumer<IoSession, IoBuffer> redecode) {
        if (lowWater >= highWater) {
            throw new IllegalArgumentException("low water must be below high water");
        }
        this.highWater = highWater;
        this.lowWater = lowWater;
        this.redecode = redecode;
    }

    /** The heap a decoded line occupies while it waits for its handler. */
    public static long cost(Line line) {
        return LINE_OVERHEAD + ((ARRAY_HEADER + line.length() + 7) & ~7L);
    }

    /** Heap charged to this session now (for tests and diagnostics). */
    public static long pending(IoSession session) {
        State state = (State) session.getAttribute(STATE);
        if (state == null) {
            return 0;
        }
        synchronized (state) {
            return state.pending;
        }
    }

    /**
     * A handler keeps {@code line} beyond its event (to answer it after a reply still pending): it stays charged to
     * the session until {@link #release}. Does nothing on a session without a throttle.
     */
    public static void hold(IoSession session, Line line) {
        State state = (State) session.getAttribute(STATE);
        if (state != null && state.owner != null) {
            state.owner.add(session, state, cost(line));
        }
    }

    /** The handler is done with a line it held. */
    public static void release(IoSession session, Line line) {
        State state = (State) session.getAttribute(STATE);
        if (state != null && state.owner != null) {
            state.owner.add(session, state, -cost(line));
        }
    }

    /**
     * The handler has sent (or scheduled) the session's last reply: read and decode nothing more. Without this a
     * client flooding a closing session (its last reply delayed, or not yet flushed) has all it sends read and
     * decoded for nothing, at the speed of the network.
     */
    public static void stopReading(IoSession session) {
        State fresh = new State(null);
        State state = (State) session.setAttributeIfAbsent(STATE, fresh);
        if (state == null) {
            state = fresh;
        }
        synchronized (state) {
            state.closing = true;
            state.parked.clear();
            if (!state.suspended) {
                state.suspended = true;
                session.suspendRead();
            }
        }
    }

    // ---- the decoder's side (I/O thread, or a thread feeding parked bytes back; always under the STARTTLS gate's lock)

    /**
     * Charges a line the decoder has just made. False once the session is over high water: then {@code rest}, what
     * the decoder had not decoded yet, is parked (ahead of anything parked after it) and consumed, and reading is
     * suspended, in one step: a handler thread resuming in between would find nothing parked and resume for good.
     */
    boolean admit(IoSession session, Line line, IoBuffer rest) {
        State state = state(session);
        synchronized (state) {
            state.pending += cost(line);
            if (state.pending <= highWater && !state.closing) {
                return true;
            }
            if (state.closing) {
                rest.position(rest.limit());
            } else if (rest.hasRemaining()) {
                state.parked.addFirst(copy(rest));
            }
            if (!state.suspended) {
                state.suspended = true;
                session.suspendRead();
            }
            return false;
        }
    }

    /** What the decoder must do with a buffer that reached it. */
    enum Arrival {
        /** Decode it now. */
        DECODE,
        /** Decode it now, then the parked buffers after it while there is room ({@link #nextParked}). */
        DECODE_PARKED,
        /** Nothing: it was parked behind earlier bytes, or it is parked input discarded meanwhile (STARTTLS). */
        SKIP
    }

    /** Called by the decoder for each buffer it receives, before decoding any of it; consumes {@code in} unless it says decode. */
    Arrival arrive(IoSession session, IoBuffer in) {
        State state = (State) session.getAttribute(STATE);
        if (state == null) {
            return Arrival.DECODE;
        }
        synchronized (state) {
            if (state.closing) {
                in.position(in.limit());
                return Arrival.SKIP;
            }
            if (in == state.feeding) {
                state.feeding = null;
                if (state.parked.peekFirst() == in) {
                    state.parked.removeFirst();
                    return Arrival.DECODE_PARKED;
                }
                in.position(in.limit());
                return Arrival.SKIP;
            }
            if (state.parked.isEmpty()) {
                return Arrival.DECODE;
            }
            state.parked.addLast(copy(in));
            return Arrival.SKIP;
        }
    }

    /** During a feed-back: the next parked buffer to decode, or null when there is none or no room for more. */
    IoBuffer nextParked(IoSession session) {
        State state = state(session);
        synchronized (state) {
            return state.pending <= highWater ? state.parked.pollFirst() : null;
        }
    }

    /** STARTTLS: what was read before the handshake is plaintext and must not be decoded as if sent under TLS. */
    void discardParked(IoSession session) {
        State state = (State) session.getAttribute(STATE);
        if (state != null) {
            synchronized (state) {
                state.parked.clear();
            }
        }
    }

    // ---- the executor's side

    @Override
    public boolean accept(Object source, IoEvent event) {
        return true;
    }

    @Override
    public void offered(Object source, IoEvent event) {
        // lines were charged by the decoder when it made them
    }

    @Override
    public void polled(Object source, IoEvent event) {
        if (event.getType() == IoEventType.MESSAGE_RECEIVED && event.getParameter() instanceof Line line) {
            State state = (State) event.getSession().getAttribute(STATE);
            if (state != null) {
                add(event.getSession(), state, -cost(line));
            }
        }
    }

    private void add(IoSession session, State state, long delta) {
        synchronized (state) {
            state.pending += delta;
            if (delta > 0) {
                if (!state.suspended && state.pending > highWater) {
                    state.suspended = true;
                    session.suspendRead();
                }
                return;
            }
        }
        feedBackOrResume(session, state);
    }

    /** Below low water: the parked bytes go to the decoder first, oldest first; reading resumes once none are left. */
    private void feedBackOrResume(IoSession session, State state) {
        while (true) {
            IoBuffer head;
            synchronized (state) {
                if (!state.suspended || state.redecoding || state.closing || state.pending > lowWater) {
                    return;
                }
                if (state.parked.isEmpty()) {
                    resume(session, state);
                    return;
                }
                state.redecoding = true;
                head = state.parked.peekFirst();
                state.feeding = head;
            }
            boolean taken;
            // outside the lock: decoding takes the STARTTLS gate's lock, which the I/O thread holds while it charges lines
            try {
                redecode.accept(session, head);
            } finally {
                synchronized (state) {
                    taken = state.feeding == null;
                    state.feeding = null;
                    state.redecoding = false;
                }
            }
            if (!taken) {
                return; // the session is closing: its chain no longer reaches the decoder
            }
        }
    }

    private static void resume(IoSession session, State state) {
        state.suspended = false;
        session.resumeRead();
        wakeUp(session);
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

    private State state(IoSession session) {
        State state = (State) session.getAttribute(STATE);
        if (state == null) {
            State fresh = new State(this);
            state = (State) session.setAttributeIfAbsent(STATE, fresh);
            if (state == null) {
                state = fresh;
            }
        }
        return state;
    }

    private static IoBuffer copy(IoBuffer in) {
        IoBuffer copy = IoBuffer.allocate(in.remaining());
        copy.put(in);
        return copy.flip();
    }
}
