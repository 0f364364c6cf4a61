package io.mailserver.net.tls;

import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

import org.apache.mina.core.buffer.IoBuffer;
import org.apache.mina.core.filterchain.IoFilter;
import org.apache.mina.core.filterchain.IoFilterAdapter;
import org.apache.mina.core.filterchain.IoFilterChain;
import org.apache.mina.core.session.AttributeKey;
import org.apache.mina.core.session.IoSession;
import org.apache.mina.filter.codec.ProtocolDecoder;
import org.apache.mina.filter.ssl.SslFilter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.mailserver.session.Line;

/**
 * Makes sure that nothing a client sent in plaintext after STARTTLS/STLS is ever taken as a command sent under
 * TLS: the command-injection bug class of CVE-2011-0411 (docs/design.md, contract 6). MINA passes pipelined bytes
 * straight through, so three kinds of plaintext must go:
 * <ol>
 * <li>lines the decoder already produced from bytes that followed STARTTLS, waiting in the executor's queue;</li>
 * <li>an unfinished line left in the decoder's buffer (it would otherwise be glued to the first line sent under
 *     TLS);</li>
 * <li>bytes read while the TLS filter was being put in place, which went past it.</li>
 * </ol>
 *
 * <p>Two filters do it. The {@link #gate()} sits just before the codec on the I/O thread and holds a per-session
 * lock around every decode. {@link StartTls#begin} takes the same lock, so an upgrade happens between two reads,
 * never during one; under it the decoder's buffer is emptied (2), a fence marker is queued behind every line
 * decoded so far, and the TLS filter goes in. The {@link #fence()} sits after the executor, in the handler's order
 * of events: from the upgrade until the marker comes through it drops every line (1). Until the handshake
 * completes the gate drops any bytes that reach it (3): the TLS filter passes on nothing before that, so whatever
 * arrives went past it. The protocol handler needs no code for any of this.
 */
public final class StartTlsGuard {
    private static final Logger log = LoggerFactory.getLogger(StartTlsGuard.class);

    private static final AttributeKey LOCK = new AttributeKey(StartTlsGuard.class, "lock");
    /** Set from the upgrade until the handshake completes: the gate drops bytes meanwhile. */
    static final AttributeKey UPGRADING = new AttributeKey(StartTlsGuard.class, "upgrading");
    /** Set from the upgrade until the fence marker passes: the fence drops lines meanwhile. */
    private static final AttributeKey DISCARDING = new AttributeKey(StartTlsGuard.class, "discarding");
    /** Lines and raw reads of plaintext dropped after STARTTLS in this session (an AtomicLong). */
    private static final AttributeKey DROPPED = new AttributeKey(StartTlsGuard.class, "dropped");

    private static final Object FENCE = new Object() {
        @Override
        public String toString() {
            return "StartTlsGuard.FENCE";
        }
    };

    private final ProtocolDecoder decoder;
    private final Gate gate = new Gate();
    private final Fence fence = new Fence();

    /** {@code decoder} is the line decoder of the codec right after the gate; its buffered bytes are dropped at upgrade. */
    public StartTlsGuard(ProtocolDecoder decoder) {
        this.decoder = decoder;
    }

    /** Goes right before the codec filter. */
    public IoFilter gate() {
        return gate;
    }

    /** Goes right after the executor filter (the last filter before the handler). */
    public IoFilter fence() {
        return fence;
    }

    /** How many plaintext lines or reads were dropped after STARTTLS in this session. */
    public static long dropped(IoSession session) {
        Object n = session.getAttribute(DROPPED);
        return n instanceof AtomicLong a ? a.get() : 0;
    }

    /**
     * Runs {@code installTls} (add the TLS filter, send the plaintext go-ahead) between two reads, after having set up
     * everything that keeps earlier plaintext out. Called on the handler's thread while it handles STARTTLS.
     */
    void upgrade(IoSession session, Runnable installTls) throws Exception {
        synchronized (lock(session)) {
            session.setAttribute(UPGRADING, Boolean.TRUE);
            session.setAttribute(DISCARDING, Boolean.TRUE);
            decoder.dispose(session); // drops an unfinished plaintext line (2)
            // behind every line decoded so far, through the codec and the executor, in order
            IoFilterChain chain = session.getFilterChain();
            chain.getNextFilter(gate).messageReceived(session, FENCE);
            installTls.run();
        }
    }

    /** The guard on this session's chain, if its listener installed one. */
    public static Optional<StartTlsGuard> of(IoSession session) {
        return session.getFilterChain().get(Gate.class) instanceof Gate gate
                ? Optional.of(gate.guard()) : Optional.empty();
    }

    /**
     * Delivers a message of the server's own (a shutdown signal, say) to the handler in order with the session's
     * lines: it enters the chain just after the gate, so neither the TLS filter nor the codec sees it.
     */
    public void inject(IoSession session, Object message) {
        synchronized (lock(session)) {
            IoFilter.NextFilter next = session.getFilterChain().getNextFilter(gate);
            if (next != null) { // null once the session closed and MINA emptied its chain: nobody left to tell
                next.messageReceived(session, message);
            }
        }
    }

    private static Object lock(IoSession session) {
        Object lock = session.getAttribute(LOCK);
        if (lock == null) {
            Object mine = new Object();
            lock = session.setAttributeIfAbsent(LOCK, mine);
            if (lock == null) {
                lock = mine;
            }
        }
        return lock;
    }

    private static void countDrop(IoSession session) {
        Object n = session.getAttribute(DROPPED);
        if (n == null) {
            AtomicLong mine = new AtomicLong();
            n = session.setAttributeIfAbsent(DROPPED, mine);
            if (n == null) {
                n = mine;
            }
        }
        ((AtomicLong) n).incrementAndGet();
    }

    /** The gate filter of this guard; {@link StartTls} finds the guard through it in a session's chain. */
    final class Gate extends IoFilterAdapter {
        StartTlsGuard guard() {
            return StartTlsGuard.this;
        }

        @Override
        public void sessionCreated(NextFilter next, IoSession session) throws Exception {
            lock(session);
            next.sessionCreated(session);
        }

        @Override
        public void messageReceived(NextFilter next, IoSession session, Object message) throws Exception {
            synchronized (lock(session)) {
                if (message instanceof IoBuffer bytes && session.containsAttribute(UPGRADING)) {
                    if (!session.containsAttribute(SslFilter.SSL_SECURED)) {
                        countDrop(session);
                        log.info("{}: dropped {} bytes of plaintext sent after STARTTLS before the TLS handshake",
                                session.getRemoteAddress(), bytes.remaining());
                        bytes.position(bytes.limit());
                        return;
                    }
                    session.removeAttribute(UPGRADING);
                }
                next.messageReceived(session, message);
            }
        }
    }

    private static final class Fence extends IoFilterAdapter {
        @Override
        public void messageReceived(NextFilter next, IoSession session, Object message) throws Exception {
            if (message == FENCE) {
                session.removeAttribute(DISCARDING);
                long n = dropped(session);
                if (n > 0) {
                    log.info("{}: ignored plaintext pipelined after STARTTLS (possible command injection)", session.getRemoteAddress());
                }
                return;
            }
            if (session.containsAttribute(DISCARDING) && (message instanceof Line || message instanceof IoBuffer)) {
                countDrop(session); // client input only: signals the server sends itself still pass
                return;
            }
            next.messageReceived(session, message);
        }
    }
}
