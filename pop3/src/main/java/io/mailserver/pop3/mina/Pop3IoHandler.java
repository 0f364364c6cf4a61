package io.mailserver.pop3.mina;

import java.io.IOException;
import java.net.InetAddress;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicLong;

import org.apache.mina.core.service.IoHandlerAdapter;
import org.apache.mina.core.session.IdleStatus;
import org.apache.mina.core.session.IoSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.mailserver.net.ClientAddress;
import io.mailserver.session.Line;
import io.mailserver.net.tls.StartTls;
import io.mailserver.net.tls.TlsFailureLog;
import io.mailserver.pop3.Pop3Context;
import io.mailserver.pop3.Pop3Session;

/**
 * The thin MINA side of POP3: one {@link Pop3Connection} per MINA session. Runs behind the listener's
 * ordered executor, so nothing here runs on an I/O thread.
 */
public final class Pop3IoHandler extends IoHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(Pop3IoHandler.class);
    private static final String CONNECTION = Pop3IoHandler.class.getName() + ".connection";
    private static final AtomicLong SEQUENCE = new AtomicLong();

    private final Pop3Context ctx;
    private final Executor worker;
    private final ScheduledExecutorService timer;
    private final Set<Pop3Connection> connections = ConcurrentHashMap.newKeySet();
    /** STLS for plaintext listeners; null on POP3S and where no certificate is loaded. */
    private final StartTls startTls;

    public Pop3IoHandler(Pop3Context ctx, Executor worker, ScheduledExecutorService timer) {
        this(ctx, worker, timer, null);
    }

    public Pop3IoHandler(Pop3Context ctx, Executor worker, ScheduledExecutorService timer, StartTls startTls) {
        this.startTls = startTls;
        this.ctx = ctx;
        this.worker = worker;
        this.timer = timer;
    }

    public int connectionCount() {
        return connections.size();
    }

    /** Asks every connection to end: at once if between commands, else after its current reply. */
    public void shutdownConnections() {
        connections.forEach(Pop3Connection::shutdown);
    }

    @Override
    public void sessionOpened(IoSession io) {
        String id = "P" + Long.toString(SEQUENCE.incrementAndGet(), 36);
        io.setAttribute(Mdc.ATTRIBUTE, id);
        Mdc.run(io, () -> {
            InetAddress remote = ClientAddress.addressOf(io); // the PROXY header's client behind a load balancer
            log.debug("pop3 connection from {}", remote.getHostAddress());
            Pop3Connection c = new Pop3Connection(io, new Pop3Session(ctx, remote), worker, timer, startTls);
            // READER_IDLE (set by the listener) catches a silent client, WRITER_IDLE one that trickles bytes
            io.getConfig().setIdleTime(IdleStatus.WRITER_IDLE, (int) Math.max(1, ctx.settings().idleTimeout().toSeconds()));
            io.setAttribute(CONNECTION, c);
            connections.add(c);
            c.opened();
        });
    }

    @Override
    public void messageReceived(IoSession io, Object message) {
        Pop3Connection c = connection(io);
        if (c != null && message instanceof Line line) {
            Mdc.run(io, () -> c.lineReceived(line));
        }
    }

    @Override
    public void messageSent(IoSession io, Object message) {
        Pop3Connection c = connection(io);
        if (c != null) {
            c.replySent();
        }
    }

    @Override
    public void sessionIdle(IoSession io, IdleStatus status) {
        Pop3Connection c = connection(io);
        Duration timeout = ctx.settings().idleTimeout();
        if (c != null && status == IdleStatus.READER_IDLE) {
            Mdc.run(io, () -> c.idle(timeout));
        } else if (c != null && status == IdleStatus.WRITER_IDLE) {
            Mdc.run(io, () -> c.writerIdle(timeout));
        }
    }

    @Override
    public void sessionClosed(IoSession io) {
        Pop3Connection c = connection(io);
        if (c != null) {
            Mdc.run(io, () -> c.closed("disconnected"));
            connections.remove(c);
        }
    }

    @Override
    public void exceptionCaught(IoSession io, Throwable cause) {
        boolean tls = TlsFailureLog.isTlsFailure(cause);
        Mdc.run(io, () -> {
            if (tls) {
                TlsFailureLog.log(log, io, "pop3", ClientAddress.of(io), cause);
            } else if (cause instanceof IOException) {
                // reset by peer and the like: the client's business, not an operator's
                log.debug("pop3 connection error: {}", cause.toString());
            } else {
                log.warn("pop3 unexpected error; closing connection", cause);
            }
        });
        if (tls) {
            io.closeOnFlush(); // lets the TLS alert out
        } else {
            io.closeNow();
        }
    }

    private static Pop3Connection connection(IoSession io) {
        return (Pop3Connection) io.getAttribute(CONNECTION);
    }
}
