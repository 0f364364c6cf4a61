package io.mailserver.mta;

import java.io.IOException;
import java.net.InetAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;

import org.apache.mina.core.filterchain.IoFilter;
import org.apache.mina.core.session.IoSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.mailserver.config.HostPort;
import io.mailserver.config.ServerConfig;
import io.mailserver.mta.smtp.ListenerProfile;
import io.mailserver.mta.smtp.Replies;
import io.mailserver.mta.smtp.SmtpContext;
import io.mailserver.mta.smtp.SmtpSettings;
import io.mailserver.mta.smtp.mina.SmtpIoHandler;
import io.mailserver.mta.smtp.SmtpSecurity;
import io.mailserver.net.Listener;
import io.mailserver.session.LoginThrottle;
import io.mailserver.net.tls.ServerTls;
import io.mailserver.net.tls.StartTls;
import io.mailserver.store.MailStore;

/**
 * The inbound SMTP server as the launcher sees it: {@link #start} opens the MX listener on
 * {@code smtp.listen}; {@link #shutdown} stops it gracefully. More listeners with another
 * {@link ListenerProfile} (submission on 587, implicit TLS on 465) are added with
 * {@link #addListener}; all share one {@link SmtpContext} (handlers, sender checks, EHLO keywords).
 */
public final class SmtpService implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(SmtpService.class);

    /** Handlers block on the store's group commit, so many of them may wait at once. */
    static final int HANDLER_THREADS = 256;
    /** Decoder fragment size: a whole command line fits; longer DATA lines arrive in pieces of this size. */
    static final int MIN_FRAGMENT = 8 * 1024;

    private final ServerConfig config;
    private final SmtpContext context;
    private final List<Listener> listeners = new ArrayList<>();
    /** Greeting pauses and delayed replies (error tarpit, failed AUTH) of every listener: one thread, no sleeping handlers. */
    private final ScheduledExecutorService timer = newTimer();
    private Listener mx;
    private Listener submission;
    private Listener smtps;
    /** STARTTLS for the plain listeners; null when the service runs without TLS. */
    private final StartTls startTls;
    private volatile boolean stopped;

    private SmtpService(ServerConfig config, SmtpContext context, StartTls startTls) {
        this.config = config;
        this.context = context;
        this.startTls = startTls;
    }

    /** Starts the MX listener (if {@code smtp.listen} is set). */
    public static SmtpService start(ServerConfig config, MailStore store) throws IOException {
        return start(config, new SmtpContext(SmtpSettings.from(config), store, Clock.systemDefaultZone()));
    }

    /** Starts with a prepared context (tests use it to tune settings such as the error delay). */
    public static SmtpService start(ServerConfig config, SmtpContext context) throws IOException {
        SmtpService service = new SmtpService(config, context, null);
        Optional<HostPort> address = config.smtpListen();
        if (address.isPresent()) {
            try {
                service.mx = service.addListener("smtp", ListenerProfile.MX, address.get(), null);
            } catch (IOException | RuntimeException e) {
                service.shutdown(Duration.ZERO); // stops the timer thread too
                throw e;
            }
        }
        return service;
    }

    /**
     * The whole inbound SMTP side with TLS and AUTH: MX on {@code smtp.listen} and submission (RFC 6409: AUTH
     * before MAIL) on {@code submission.listen}, both offering STARTTLS, and submission over implicit TLS
     * (RFC 8314) on {@code smtps.listen}. {@code throttle} counts failed logins per client address; share it with
     * POP3.
     */
    public static SmtpService start(ServerConfig config, MailStore store, ServerTls tls, LoginThrottle throttle) throws IOException {
        return start(config, new SmtpContext(SmtpSettings.from(config), store, Clock.systemDefaultZone()), tls, throttle);
    }

    /** As above with a prepared context (tests use it to tune settings such as the error delay). */
    public static SmtpService start(ServerConfig config, SmtpContext context, ServerTls tls, LoginThrottle throttle) throws IOException {
        SmtpSecurity.install(context, true, throttle);
        SmtpService service = new SmtpService(config, context, new StartTls(tls));
        try {
            if (config.smtpListen().isPresent()) {
                service.mx = service.addListener("smtp", ListenerProfile.MX, config.smtpListen().get(), null);
            }
            if (config.submissionListen().isPresent()) {
                service.submission = service.addListener("submission", ListenerProfile.SUBMISSION, config.submissionListen().get(), null);
            }
            if (config.smtpsListen().isPresent()) {
                service.smtps = service.addListener("smtps", ListenerProfile.SUBMISSION, config.smtpsListen().get(), tls.newFilter());
            }
        } catch (IOException | RuntimeException e) {
            service.shutdown(Duration.ZERO);
            throw e;
        }
        return service;
    }

    /**
     * Opens one more listener. {@code implicitTls} is the TLS filter for an implicit-TLS port, or null.
     */
    public synchronized Listener addListener(String name, ListenerProfile profile, HostPort address, IoFilter implicitTls) throws IOException {
        SmtpIoHandler handler = new SmtpIoHandler(context, profile, config::isTrusted, config.smtpTimeout(), config.smtpDataTimeout(),
                config.smtpGreetPause(), implicitTls == null ? startTls : null, timer);
        String host = context.settings().hostname();
        Listener.Options options = new Listener.Options(name, address, config.maxConnections(), config.maxConnectionsPerIp(),
                config::isTrusted, perAddress -> Replies.tooManyConnections(host, perAddress).toWire(),
                config.smtpTimeout(), Math.max(MIN_FRAGMENT, config.commandLineLimit()), HANDLER_THREADS, implicitTls,
                Listener.proxySources(config.proxyFrom(name)));
        Listener listener = Listener.start(options, handler, SmtpIoHandler.ioThreadFilters());
        listeners.add(listener);
        return listener;
    }

    /** Connections open now on each of this service's listeners, by listener name (for metrics). */
    public synchronized java.util.Map<String, Integer> connectionsByListener() {
        java.util.Map<String, Integer> out = new java.util.LinkedHashMap<>();
        for (Listener l : listeners) {
            out.merge(l.name(), l.connections(), Integer::sum);
        }
        return out;
    }

    public SmtpContext context() {
        return context;
    }

    /** The MX listener's bound port (useful with {@code smtp.listen = 127.0.0.1:0}). */
    public int port() {
        if (mx == null) {
            throw new IllegalStateException("the MX listener is off (smtp.listen is empty)");
        }
        return mx.port();
    }

    /** The submission listener's bound port (STARTTLS, AUTH required). */
    public int submissionPort() {
        if (submission == null) {
            throw new IllegalStateException("the submission listener is off (submission.listen is empty, or no TLS)");
        }
        return submission.port();
    }

    /** The implicit-TLS submission listener's bound port. */
    public int smtpsPort() {
        if (smtps == null) {
            throw new IllegalStateException("the SMTPS listener is off (smtps.listen is empty, or no TLS)");
        }
        return smtps.port();
    }

    public boolean isTrusted(InetAddress address) {
        return config.isTrusted(address);
    }

    /**
     * Stops accepting connections; sessions receiving a message may finish it within {@code grace}
     * (then get 421 4.3.2), every other session gets 421 4.3.2 now; whatever remains after the grace
     * is closed (an unfinished message is discarded, never half stored).
     */
    public synchronized void shutdown(Duration grace) {
        if (stopped) {
            return;
        }
        stopped = true;
        context.beginShutdown();
        List<IoSession> sessions = new ArrayList<>();
        for (Listener l : listeners) {
            l.stopAccepting();
            sessions.addAll(l.acceptor().getManagedSessions().values());
        }
        log.info("SMTP shutting down: {} session(s) open, grace {}", sessions.size(), grace);
        sessions.forEach(SmtpIoHandler::signalShutdown);
        long deadline = System.nanoTime() + grace.toNanos();
        while (System.nanoTime() < deadline && openSessions() > 0) {
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        int left = openSessions();
        if (left > 0) {
            log.warn("SMTP shutdown: {} session(s) still receiving after {}; closing them, their messages are not stored", left, grace);
            String reply = Replies.shuttingDown(context.settings().hostname()).toWire();
            for (Listener l : listeners) {
                for (IoSession s : l.acceptor().getManagedSessions().values()) {
                    s.write(reply);
                    s.closeOnFlush();
                }
            }
            try {
                Thread.sleep(200); // let the 421s leave
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        for (Listener l : listeners) {
            l.close();
        }
        timer.shutdownNow();
        log.info("SMTP stopped");
    }

    private static ScheduledExecutorService newTimer() {
        ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "smtp-timer");
            t.setDaemon(true);
            return t;
        });
        timer.setRemoveOnCancelPolicy(true);
        return timer;
    }

    private int openSessions() {
        int n = 0;
        for (Listener l : listeners) {
            n += l.acceptor().getManagedSessionCount();
        }
        return n;
    }

    @Override
    public void close() {
        shutdown(config.shutdownGrace());
    }
}
