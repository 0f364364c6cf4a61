package io.mailserver.mta.smtp.mina;

import java.io.IOException;
import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Map;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import org.apache.mina.core.filterchain.IoFilter;
import org.apache.mina.core.service.IoHandlerAdapter;
import org.apache.mina.core.session.AttributeKey;
import org.apache.mina.core.session.IdleStatus;
import org.apache.mina.core.session.IoSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

import io.mailserver.mta.smtp.ListenerProfile;
import io.mailserver.mta.smtp.Outcome;
import io.mailserver.mta.smtp.Replies;
import io.mailserver.mta.smtp.SmtpContext;
import io.mailserver.mta.smtp.SmtpProtocol;
import io.mailserver.mta.smtp.SmtpSession;
import io.mailserver.net.ClientAddress;
import io.mailserver.session.Line;
import io.mailserver.net.Listener;
import io.mailserver.net.ReadThrottle;
import io.mailserver.net.ReplyBacklog;
import io.mailserver.net.tls.StartTls;
import io.mailserver.net.tls.TlsFailureLog;

/**
 * The thin MINA adapter: one {@link SmtpProtocol} per connection, fed the decoder's {@link Line}s on the
 * listener's ordered executor (never on an I/O thread). Each outcome's replies leave in one write, so a
 * multi-line reply is one buffer and TCP_NODELAY sends it at once; replies to pipelined commands go
 * out as they are produced, in order (RFC 2920 3.2 allows that). Timeouts: {@code smtp.timeout}
 * between commands, {@code smtp.data-timeout} inside DATA, then 421 4.4.2 and close. A timeout counts
 * from the last line received or reply sent, not from the last byte: a client that trickles bytes
 * without ever finishing a line (slowloris) is cut off like a silent one.
 *
 * <p>A delayed reply (the error tarpit, a failed AUTH) holds no thread: the outcome is handed to the shared
 * timer, which sends it back down the session's chain when it is due, so it arrives on the ordered executor in
 * order with the session's other events (as POP3 answers a failed login late). Until then, and while the client
 * has not read our earlier replies ({@link ReplyBacklog}), the session's later lines wait in {@link Waiting},
 * still charged by the {@link ReadThrottle}, which stops reading the socket when they fill its budget. So
 * replies stay in order (RFC 2920) and thousands of tarpitted sessions cost no handler thread.
 */
public final class SmtpIoHandler extends IoHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(SmtpIoHandler.class);
    private static final AttributeKey PROTOCOL = new AttributeKey(SmtpIoHandler.class, "protocol");
    private static final AttributeKey IN_DATA = new AttributeKey(SmtpIoHandler.class, "inData");
    /** System.nanoTime() of the last line handled or reply sent: where the current timeout starts. */
    private static final AttributeKey WAITING_SINCE = new AttributeKey(SmtpIoHandler.class, "waitingSince");
    /** The MDC key every log line of a session carries. */
    public static final String MDC_SESSION = "session";

    private static final AttributeKey WAITING = new AttributeKey(SmtpIoHandler.class, "waiting");

    /** Sent down a session's filter chain by {@link #signalShutdown}: arrives in order with the session's lines. */
    static final class ShutdownSignal {
        static final ShutdownSignal INSTANCE = new ShutdownSignal();
    }

    /** Sent down the session's chain by the timer when a delayed outcome is due. */
    private record DelayedOutcome(Outcome outcome) {
    }

    /**
     * The session's input that has to wait, in arrival order (lines and the shutdown signal). Touched only by
     * this session's events, which the ordered executor runs one at a time.
     */
    private static final class Waiting {
        final Deque<Object> input = new ArrayDeque<>();
        /** A delayed outcome is with the timer. */
        boolean replyPending;
        /** The client has not read our replies; {@code messageSent} tells when it has. */
        boolean backlogged;

        boolean mustWait() {
            return replyPending || backlogged || !input.isEmpty();
        }
    }

    private final SmtpContext context;
    private final ListenerProfile profile;
    private final Predicate<InetAddress> trusted;
    private final Duration commandTimeout;
    private final Duration dataTimeout;
    private final Duration greetPause;
    /** Shared by the service's listeners: greeting pauses and delayed replies. */
    private final ScheduledExecutorService timer;
    /** Switches sessions to TLS on STARTTLS; null when the listener offers no TLS. */
    private final StartTls startTls;

    /** {@code timer} runs greeting pauses and delayed replies; its owner shuts it down. {@code startTls} may be null. */
    public SmtpIoHandler(SmtpContext context, ListenerProfile profile, Predicate<InetAddress> trusted, Duration commandTimeout,
                         Duration dataTimeout, Duration greetPause, StartTls startTls, ScheduledExecutorService timer) {
        this.startTls = startTls;
        this.context = context;
        this.profile = profile;
        this.trusted = trusted;
        this.commandTimeout = commandTimeout;
        this.dataTimeout = dataTimeout;
        this.greetPause = greetPause;
        this.timer = timer;
    }

    /** The filter that must sit between the codec and the executor of every listener using this handler. */
    public static Map<String, IoFilter> ioThreadFilters() {
        return Map.of("earlytalk", new EarlyTalkFilter());
    }

    /** Asks the session to stop after what it is doing (see {@link SmtpProtocol#onShutdown()}). */
    public static void signalShutdown(IoSession session) {
        Listener.signal(session, ShutdownSignal.INSTANCE); // past the TLS filter, which takes only bytes
    }

    /** Whether the session is receiving message content right now (shutdown waits for those). */
    public static boolean inData(IoSession session) {
        return Boolean.TRUE.equals(session.getAttribute(IN_DATA));
    }

    @Override
    public void sessionOpened(IoSession io) {
        InetAddress remote = ClientAddress.addressOf(io); // the PROXY header's client behind a load balancer
        String id = newSessionId();
        MDC.put(MDC_SESSION, id);
        try {
            SmtpProtocol protocol = new SmtpProtocol(context, new SmtpSession(id, remote, trusted.test(remote), profile));
            io.setAttribute(PROTOCOL, protocol);
            io.setAttribute(WAITING, new Waiting());
            io.setAttribute(WAITING_SINCE, System.nanoTime());
            setIdle(io, commandTimeout);
            if (context.isShuttingDown()) {
                send(io, protocol, Outcome.replyAndClose(Replies.shuttingDown(context.settings().hostname())));
                return;
            }
            Outcome refused = protocol.onConnect(); // the CONNECT checks may block: here, not on the timer thread
            if (refused != null) {
                send(io, protocol, refused);
                return;
            }
            if (greetPause.isZero()) {
                greet(io, protocol);
            } else {
                timer.schedule(() -> greet(io, protocol), greetPause.toMillis(), TimeUnit.MILLISECONDS);
            }
        } finally {
            MDC.remove(MDC_SESSION);
        }
    }

    private void greet(IoSession io, SmtpProtocol protocol) {
        if (io.isClosing() || io.containsAttribute(EarlyTalkFilter.EARLY_TALKER)) {
            return; // the early talker has been (or is being) refused instead
        }
        MDC.put(MDC_SESSION, protocol.session().id());
        try {
            io.write(protocol.greeting().toWire()); // EarlyTalkFilter notes when it has left
        } finally {
            MDC.remove(MDC_SESSION);
        }
    }

    @Override
    public void messageReceived(IoSession io, Object message) {
        SmtpProtocol protocol = protocol(io);
        Waiting waiting = waiting(io);
        if (protocol == null || waiting == null) {
            return;
        }
        MDC.put(MDC_SESSION, protocol.session().id());
        try {
            if (message instanceof DelayedOutcome due) {
                waiting.replyPending = false;
                send(io, protocol, due.outcome());
                takeWaitingInput(io, protocol, waiting);
                return;
            }
            if (!(message instanceof Line) && !(message instanceof ShutdownSignal)) {
                return;
            }
            if (message instanceof Line) {
                io.setAttribute(WAITING_SINCE, System.nanoTime());
            }
            if (waiting.mustWait()) {
                if (message instanceof Line line) {
                    ReadThrottle.hold(io, line);
                }
                waiting.input.addLast(message);
                return;
            }
            handle(io, protocol, waiting, message);
        } finally {
            MDC.remove(MDC_SESSION);
        }
    }

    /** The client has read some of our replies: if it has read enough, the input that waited for that goes on. */
    @Override
    public void messageSent(IoSession io, Object message) {
        SmtpProtocol protocol = protocol(io);
        Waiting waiting = waiting(io);
        if (protocol == null || waiting == null || !waiting.backlogged || !ReplyBacklog.isDrained(io)) {
            return;
        }
        MDC.put(MDC_SESSION, protocol.session().id());
        try {
            waiting.backlogged = false;
            takeWaitingInput(io, protocol, waiting);
        } finally {
            MDC.remove(MDC_SESSION);
        }
    }

    private void handle(IoSession io, SmtpProtocol protocol, Waiting waiting, Object message) {
        Outcome outcome;
        if (message instanceof Line line) {
            noticeTls(io, protocol);
            outcome = io.containsAttribute(EarlyTalkFilter.EARLY_TALKER) && !protocol.isClosed()
                    ? protocol.onEarlyTalk() : protocol.onLine(line);
        } else {
            outcome = protocol.onShutdown();
        }
        if (outcome.close()) {
            ReadThrottle.stopReading(io); // whatever the client sends from now on would be read for nothing
        }
        if (outcome.delay().isZero()) {
            send(io, protocol, outcome);
            waiting.backlogged = !outcome.replies().isEmpty() && !outcome.close() && ReplyBacklog.isFull(io);
            return;
        }
        // the error tarpit or a failed AUTH: answered later, by the timer, with no thread held meanwhile
        waiting.replyPending = true;
        try {
            timer.schedule(() -> Listener.signal(io, new DelayedOutcome(outcome)), outcome.delay().toNanos(), TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
            waiting.replyPending = false; // the server is stopping: no time left to wait
            send(io, protocol, outcome);
        }
    }

    /** Handles the input that waited, in order, until it has to wait again. */
    private void takeWaitingInput(IoSession io, SmtpProtocol protocol, Waiting waiting) {
        while (!waiting.replyPending && !waiting.backlogged) {
            Object next = waiting.input.pollFirst();
            if (next == null) {
                return;
            }
            if (next instanceof Line line) {
                ReadThrottle.release(io, line);
            }
            handle(io, protocol, waiting, next);
        }
    }

    /**
     * Lines that waited behind STARTTLS were sent in plaintext: they must not run under TLS (RFC 3207 4,
     * CVE-2011-0411). The STARTTLS guard drops those still queued; these the handler had already taken.
     */
    private static void dropWaitingInput(IoSession io, SmtpProtocol protocol) {
        Waiting waiting = waiting(io);
        if (waiting == null || waiting.input.isEmpty()) {
            return;
        }
        log.info("ignored {} line(s) pipelined after STARTTLS by {}", waiting.input.size(), protocol.session().clientForLog());
        for (Object held : waiting.input) {
            if (held instanceof Line line) {
                ReadThrottle.release(io, line);
            }
        }
        waiting.input.removeIf(Line.class::isInstance);
    }

    /**
     * READER_IDLE: not a byte for the whole timeout. WRITER_IDLE: nothing sent for the whole timeout,
     * which between commands means the client has not finished a line since our last reply, however
     * many bytes it trickled (a slowloris); inside DATA, where we send nothing, it counts only if no line
     * arrived either. An event that was queued while this session's handler was busy is stale once a
     * line or reply came after it, and is ignored.
     */
    @Override
    public void sessionIdle(IoSession io, IdleStatus status) {
        SmtpProtocol protocol = protocol(io);
        Waiting waiting = waiting(io);
        if (protocol == null || waiting == null || status == IdleStatus.BOTH_IDLE || waiting.replyPending) {
            return; // a delayed reply is due within seconds and restarts the clock
        }
        if (status == IdleStatus.WRITER_IDLE) {
            Duration timeout = protocol.inData() ? dataTimeout : commandTimeout;
            Object since = io.getAttribute(WAITING_SINCE);
            if (since instanceof Long s && System.nanoTime() - s < timeout.toNanos()) {
                return;
            }
        }
        MDC.put(MDC_SESSION, protocol.session().id());
        try {
            if (StartTls.handshakePending(io)) {
                log.info("timeout during the TLS handshake with {}", protocol.session().clientForLog());
                io.closeNow(); // a reply could not be encrypted anyway
                return;
            }
            if (waiting.backlogged) {
                log.info("timeout: {} does not read its replies; closing", protocol.session().clientForLog());
                protocol.onTimeout(); // ends the session's state; its 421 could not be read either
                io.closeNow();
                return;
            }
            send(io, protocol, protocol.onTimeout());
        } finally {
            MDC.remove(MDC_SESSION);
        }
    }

    @Override
    public void sessionClosed(IoSession io) {
        SmtpProtocol protocol = protocol(io);
        if (protocol == null) {
            return;
        }
        MDC.put(MDC_SESSION, protocol.session().id());
        try {
            io.removeAttribute(IN_DATA);
            Waiting waiting = waiting(io);
            if (waiting != null) {
                waiting.input.clear();
            }
            protocol.onDisconnect();
        } finally {
            MDC.remove(MDC_SESSION);
        }
    }

    @Override
    public void exceptionCaught(IoSession io, Throwable cause) {
        SmtpProtocol protocol = protocol(io);
        if (protocol != null) {
            MDC.put(MDC_SESSION, protocol.session().id());
        }
        try {
            if (TlsFailureLog.isTlsFailure(cause)) {
                TlsFailureLog.log(log, io, "smtp", protocol == null ? ClientAddress.of(io) : protocol.session().clientForLog(), cause);
                io.closeOnFlush(); // lets the TLS alert out
                return;
            }
            if (cause instanceof IOException) {
                // the client reset or vanished: its business, not a server fault
                log.debug("connection problem: {}", cause.getMessage());
                io.closeNow();
                return;
            }
            log.warn("unexpected error in the SMTP session; closing it", cause);
            if (protocol != null && !protocol.isClosed()) {
                io.write(Replies.internalError(context.settings().hostname()).toWire());
            }
            io.closeOnFlush();
        } finally {
            MDC.remove(MDC_SESSION);
        }
    }

    /** Carries out an outcome now (its delay, if any, is over). */
    private void send(IoSession io, SmtpProtocol protocol, Outcome outcome) {
        if (!outcome.replies().isEmpty()) {
            io.setAttribute(WAITING_SINCE, System.nanoTime()); // before the write: never later than MINA's last write time
            context.sending(protocol.session(), outcome.replies());
        }
        if (outcome.startTls() && startTls != null) {
            dropWaitingInput(io, protocol);
            startTls.begin(io, outcome.wire()); // the 220 in plaintext, then the handshake (RFC 3207 4)
            return;
        }
        if (outcome.close()) {
            // under TLS the last reply is followed by close_notify, which clients expect
            if (outcome.replies().isEmpty()) {
                StartTls.close(io);
            } else {
                StartTls.closeAfter(io, outcome.wire());
            }
            return;
        }
        if (!outcome.replies().isEmpty()) {
            io.write(outcome.wire());
        }
        boolean inData = protocol.inData();
        if (inData != inData(io)) {
            io.setAttribute(IN_DATA, inData);
            setIdle(io, inData ? dataTimeout : commandTimeout);
        }
    }

    /** Eight random base-36 characters: short enough to read in logs, unique enough to grep one session. */
    private static String newSessionId() {
        long min = 78_364_164_096L; // 36^7: always eight digits
        return Long.toString(ThreadLocalRandom.current().nextLong(min, min * 36), 36).toUpperCase(java.util.Locale.ROOT);
    }

    /** The first line after the TLS handshake: the protocol learns that it is encrypted, and with what. */
    private static void noticeTls(IoSession io, SmtpProtocol protocol) {
        if (!protocol.session().tlsActive()) {
            StartTls.info(io).ifPresent(protocol::tlsEstablished);
        }
    }

    private static void setIdle(IoSession io, Duration timeout) {
        int seconds = (int) Math.max(1, timeout.toSeconds());
        io.getConfig().setIdleTime(IdleStatus.READER_IDLE, seconds);
        io.getConfig().setIdleTime(IdleStatus.WRITER_IDLE, seconds);
    }

    private static SmtpProtocol protocol(IoSession io) {
        return (SmtpProtocol) io.getAttribute(PROTOCOL);
    }

    private static Waiting waiting(IoSession io) {
        return (Waiting) io.getAttribute(WAITING);
    }
}
