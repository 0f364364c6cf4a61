package io.mailserver.pop3.mina;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.apache.mina.core.session.IoSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.mailserver.session.Line;
import io.mailserver.net.ReadThrottle;
import io.mailserver.net.ReplyBacklog;
import io.mailserver.net.tls.StartTls;
import io.mailserver.pop3.Pop3Reply;
import io.mailserver.pop3.Pop3Session;
import io.mailserver.pop3.ResponseCode;

/**
 * Drives one {@link Pop3Session} over one MINA session. Lines are answered strictly in order (RFC 2449
 * section 6.6, PIPELINING): while a reply is still going out (a streamed RETR, or a failed-login reply
 * being held back) or the client has not read our earlier replies ({@link ReplyBacklog}), later lines wait in
 * a queue. Waiting lines stay charged to the session's {@link ReadThrottle}, which stops reading the socket
 * when they fill its budget. All state is guarded by this object's monitor; the core is only ever called under it.
 */
final class Pop3Connection {
    private static final Logger log = LoggerFactory.getLogger(Pop3Connection.class);

    private final IoSession io;
    private final Pop3Session core;
    private final Executor worker;
    private final ScheduledExecutorService timer;
    /** Switches the connection to TLS on STLS; null where STLS is not offered. */
    private final StartTls startTls;
    private final Deque<Line> queued = new ArrayDeque<>();

    /** A reply is still being produced (streamed body or delayed reply): later lines wait. */
    private boolean busy;
    /** The RETR or TOP reply still going out, if any. */
    private BodyPump pump;
    /** A closing reply was issued, or the connection is gone: later lines are ignored. */
    private boolean closing;
    /** The client has not read our replies: lines wait until {@link #replySent} finds it has. */
    private boolean backlogged;
    private boolean shutdownRequested;
    /** System.nanoTime() of the last line received or reply sent: the autologout timer counts from here. */
    private long waitingSince = System.nanoTime();

    Pop3Connection(IoSession io, Pop3Session core, Executor worker, ScheduledExecutorService timer, StartTls startTls) {
        this.startTls = startTls;
        this.io = io;
        this.core = core;
        this.worker = worker;
        this.timer = timer;
    }

    synchronized void opened() {
        io.write(core.greeting());
    }

    synchronized void lineReceived(Line line) {
        if (closing) {
            return;
        }
        waitingSince = System.nanoTime();
        ReadThrottle.hold(io, line);
        queued.addLast(line);
        drain();
    }

    /** Some of our replies have been sent: if the client has read enough of them, waiting lines go on. */
    synchronized void replySent() {
        if (backlogged && ReplyBacklog.isDrained(io)) {
            backlogged = false;
            drain();
        }
    }

    private void drain() {
        while (!busy && !backlogged && !closing) {
            Line line = queued.pollFirst();
            if (line == null) {
                break;
            }
            ReadThrottle.release(io, line);
            Pop3Reply reply;
            try {
                if (!core.tlsActive()) {
                    StartTls.info(io).ifPresent(core::tlsEstablished); // the first line after the handshake
                }
                reply = core.onLine(line);
            } catch (RuntimeException e) {
                // a bug of ours: log it for the operator, tell the client only that it failed
                log.error("pop3 internal error; closing connection", e);
                reply = Pop3Reply.failure(ResponseCode.SYS_TEMP, "Internal error").closing();
            }
            send(reply);
        }
        if (shutdownRequested && !busy && !closing) {
            closing = true;
            StartTls.closeAfter(io, "-ERR [SYS/TEMP] Server shutting down\r\n");
        }
    }

    private void send(Pop3Reply reply) {
        if (reply.isNone()) {
            return;
        }
        if (reply.close()) {
            closing = true;
            ReadThrottle.stopReading(io); // what the client sends from now on would be read and dropped for nothing
        }
        if (!reply.delay().isZero()) {
            // a failed login or a late error: hold the reply back without holding a thread, later lines wait
            busy = true;
            try {
                timer.schedule(() -> worker.execute(() -> Mdc.run(io, () -> delayedReplyDue(reply))),
                        reply.delay().toNanos(), TimeUnit.NANOSECONDS);
            } catch (RejectedExecutionException e) {
                // shutting down: no time left to wait
                closing = true;
                io.closeNow();
            }
            return;
        }
        deliver(reply);
    }

    private void deliver(Pop3Reply reply) {
        waitingSince = System.nanoTime();
        if (reply.startTls() && startTls != null) {
            // lines the client sent after STLS were sent in plaintext: they must not run under TLS (RFC 2595 4)
            if (!queued.isEmpty()) {
                log.info("pop3 ignored {} line(s) pipelined after STLS", queued.size());
                queued.forEach(line -> ReadThrottle.release(io, line));
                queued.clear();
            }
            startTls.begin(io, reply.text());
            return;
        }
        if (reply.body() == null) {
            if (reply.close()) {
                StartTls.closeAfter(io, reply.text()); // with close_notify under TLS
            } else {
                io.write(reply.text());
                backlogged = ReplyBacklog.isFull(io);
            }
            return;
        }
        BodyPump started = new BodyPump(io, reply.text(), reply.body(), worker, this::pumpFinished);
        busy = true;
        if (started.run()) {
            pumpEnded();
        } else {
            pump = started;
        }
    }

    /**
     * A RETR or TOP reply ended. If it was cut off (the connection is closing), nothing the client pipelined
     * behind it may run: a DELE and QUIT sent with the RETR would delete a message the client never got whole.
     */
    private void pumpEnded() {
        busy = false;
        pump = null;
        if (io.isClosing() || !io.isConnected()) {
            closing = true;
            queued.clear();
        }
    }

    private synchronized void delayedReplyDue(Pop3Reply reply) {
        busy = false;
        if (!io.isConnected()) {
            return;
        }
        deliver(reply);
        drain();
    }

    private synchronized void pumpFinished() {
        pumpEnded();
        waitingSince = System.nanoTime();
        drain();
    }

    /** RFC 1939 section 3: on autologout the server closes the connection without a response and deletes nothing. */
    synchronized void idle(Duration timeout) {
        if ((busy || backlogged) && System.currentTimeMillis() - io.getLastWriteTime() < timeout.toMillis()) {
            // the client is reading a long reply; it is not idle
            return;
        }
        log.info("pop3 autologout after {} idle", timeout);
        closing = true;
        io.closeNow();
    }

    /**
     * Nothing sent for the whole timeout. RFC 1939 section 3: a command resets the autologout timer, so
     * bytes trickled without ever completing a line (a slowloris) do not; an event queued while a reply
     * was still going out is stale and ignored.
     */
    synchronized void writerIdle(Duration timeout) {
        if (busy || closing || System.nanoTime() - waitingSince < timeout.toNanos()) {
            return;
        }
        log.info("pop3 autologout: no complete command in {}", timeout);
        closing = true;
        io.closeNow();
    }

    /** Server shutdown: close now if between commands, else right after the reply in progress. */
    synchronized void shutdown() {
        shutdownRequested = true;
        drain();
    }

    synchronized void closed(String reason) {
        closing = true;
        queued.clear();
        if (pump != null) {
            pump.connectionClosed();
        }
        core.connectionClosed(reason);
    }
}
