package io.mailserver.pop3;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import org.apache.mina.core.filterchain.IoFilter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.mailserver.config.HostPort;
import io.mailserver.config.ServerConfig;
import io.mailserver.net.Listener;
import io.mailserver.session.LoginThrottle;
import io.mailserver.net.tls.ServerTls;
import io.mailserver.net.tls.StartTls;
import io.mailserver.pop3.mina.Pop3IoHandler;
import io.mailserver.store.MailStore;

/**
 * The POP3 service as the launcher sees it: starts the listener on {@code pop3.listen}, keeps the
 * maildrop locks of live sessions fresh, and shuts down gently. With a certificate it also offers STLS there
 * and implicit TLS on {@code pop3s.listen} ({@link Pop3Tls}).
 */
public final class Pop3Service implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Pop3Service.class);

    /** Handler threads per listener (the ordered executor); store calls block them, I/O threads never. */
    private static final int HANDLER_THREADS = 16;
    /** Threads that continue streamed replies and held-back replies. */
    private static final int WORKER_THREADS = 8;

    private final Pop3Context ctx;
    private final Pop3IoHandler handler;
    private final ScheduledExecutorService timer;
    private final ExecutorService worker;
    private final List<Listener> listeners = new ArrayList<>();
    private Listener plain;
    private Listener implicitTls;

    private Pop3Service(Pop3Context ctx, StartTls startTls) {
        this.ctx = ctx;
        this.timer = new ScheduledThreadPoolExecutor(1, daemon("pop3-timer"));
        this.worker = new ThreadPoolExecutor(WORKER_THREADS, WORKER_THREADS, 60, TimeUnit.SECONDS, new LinkedBlockingQueue<>(),
                daemon("pop3-worker"));
        ((ThreadPoolExecutor) worker).allowCoreThreadTimeOut(true);
        this.handler = new Pop3IoHandler(ctx, worker, timer, startTls);
    }

    public static Pop3Service start(ServerConfig config, MailStore store) {
        return start(config, store, Pop3Settings.from(config));
    }

    /** As {@link #start(ServerConfig, MailStore)} with explicit settings (tests shorten timers with them). */
    public static Pop3Service start(ServerConfig config, MailStore store, Pop3Settings settings) {
        return start(config, store, settings, null);
    }

    /**
     * POP3 with TLS: STLS on {@code pop3.listen} (RFC 2595) and implicit TLS on {@code pop3s.listen} (RFC 8314).
     * Logins need TLS unless {@code pop3.plaintext-auth} allows the client.
     */
    public static Pop3Service start(ServerConfig config, MailStore store, ServerTls tls, LoginThrottle throttle) {
        return start(config, store, Pop3Settings.from(config), tls, throttle);
    }

    public static Pop3Service start(ServerConfig config, MailStore store, Pop3Settings settings, ServerTls tls) {
        return start(config, store, settings, tls, null);
    }

    /**
     * {@code tls} may be null: then no STLS and no POP3S, and logins only where {@code pop3.plaintext-auth} allows them.
     * {@code throttle} counts failed logins per address (share it with SMTP); null for one of this service's own.
     */
    public static Pop3Service start(ServerConfig config, MailStore store, Pop3Settings settings, ServerTls tls, LoginThrottle throttle) {
        Pop3Context ctx = Pop3Context.create(settings, store.users(), store.maildrops(), Clock.systemUTC());
        if (throttle != null) {
            ctx = ctx.withThrottle(throttle);
        }
        // the refusal of a login before TLS names the POP3S port actually bound (known only once the listener is up)
        AtomicReference<Listener> pop3s = new AtomicReference<>();
        ctx = ctx.withCommands(Pop3Tls.secure(ctx.commands(), tls != null, config.pop3PlaintextAuth(),
                () -> pop3s.get() == null ? OptionalInt.empty() : OptionalInt.of(pop3s.get().port())));
        Pop3Service service = new Pop3Service(ctx, tls == null ? null : new StartTls(tls));
        try {
            if (config.pop3Listen().isPresent()) {
                service.plain = service.startListener("pop3", config.pop3Listen().get(), config, null);
            }
            if (tls != null && config.pop3sListen().isPresent()) {
                service.implicitTls = service.startListener("pop3s", config.pop3sListen().get(), config, tls.newFilter());
                pop3s.set(service.implicitTls);
            }
        } catch (IOException e) {
            service.shutdown(Duration.ZERO);
            throw new UncheckedIOException(e.getMessage(), e);
        }
        // refresh each held lock once a third of its ttl has passed: check at a sixth
        long period = Math.max(1000, settings.lockTtl().toMillis() / 6);
        service.timer.scheduleWithFixedDelay(service::refreshLocks, period, period, TimeUnit.MILLISECONDS);
        service.timer.scheduleWithFixedDelay(ctx.throttle()::sweep, 1, 1, TimeUnit.MINUTES);
        return service;
    }

    private Listener startListener(String name, HostPort address, ServerConfig config, IoFilter implicitTls) throws IOException {
        Listener.Options options = new Listener.Options(name, address, config.maxConnections(), config.maxConnectionsPerIp(),
                config::isTrusted,
                perAddress -> perAddress ? "-ERR [SYS/TEMP] Too many connections from your address\r\n"
                        : "-ERR [SYS/TEMP] Too many connections; try again later\r\n",
                ctx.settings().idleTimeout(), Pop3Settings.MAX_AUTH_LINE, HANDLER_THREADS, implicitTls, Listener.proxySources(config.proxyFrom(name)));
        Listener listener = Listener.start(options, handler);
        listeners.add(listener);
        return listener;
    }

    private void refreshLocks() {
        try {
            ctx.leases().refreshDue();
        } catch (RuntimeException e) {
            log.warn("pop3 lock refresh failed: {}", e.toString());
        }
    }

    /** The port {@code pop3.listen} is bound to (the real one when configured as port 0). */
    public int port() {
        if (plain == null) {
            throw new IllegalStateException("pop3.listen is empty: no POP3 listener");
        }
        return plain.port();
    }

    /** The port {@code pop3s.listen} is bound to. */
    public int tlsPort() {
        if (implicitTls == null) {
            throw new IllegalStateException("no POP3S listener (pop3s.listen is empty, or no TLS)");
        }
        return implicitTls.port();
    }

    /** The plain listener, for tests that look at the filter chain. */
    Listener plainListener() {
        return plain;
    }

    /** Connections open now on each of this service's listeners, by listener name (for metrics). */
    public synchronized java.util.Map<String, Integer> connectionsByListener() {
        java.util.Map<String, Integer> out = new java.util.LinkedHashMap<>();
        for (Listener l : listeners) {
            out.merge(l.name(), l.connections(), Integer::sum);
        }
        return out;
    }

    /** Sessions open right now. */
    public int connections() {
        return handler.connectionCount();
    }

    /**
     * Stops accepting, ends idle sessions at once (nothing is deleted: no QUIT), lets a reply in
     * progress (a RETR, a QUIT's deletes) finish for up to {@code grace}, then closes what is left.
     */
    public void shutdown(Duration grace) {
        listeners.forEach(Listener::stopAccepting);
        handler.shutdownConnections();
        long deadline = System.nanoTime() + grace.toNanos();
        while (handler.connectionCount() > 0 && System.nanoTime() < deadline) {
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        listeners.forEach(Listener::close);
        timer.shutdownNow();
        worker.shutdown();
        try {
            worker.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        shutdown(Duration.ofSeconds(5));
    }

    private static java.util.concurrent.ThreadFactory daemon(String name) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, name + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }
}
