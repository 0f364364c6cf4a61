package io.mailserver.server;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.function.IntSupplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.mailserver.config.ServerConfig;
import io.mailserver.mta.SmtpService;
import io.mailserver.relay.OutboundService;
import io.mailserver.mta.smtp.SmtpContext;
import io.mailserver.mta.smtp.SmtpSettings;
import io.mailserver.mta.smtp.check.DkimSignatureVerification;
import io.mailserver.mta.smtp.check.InboundChecks;
import io.mailserver.mta.smtp.check.MailAuthChecks;
import io.mailserver.session.LoginThrottle;
import io.mailserver.net.tls.ServerTls;
import io.mailserver.pop3.Pop3Service;
import io.mailserver.store.MailStore;
import io.mailserver.store.PasswordHasher;
import io.mailserver.store.jdbc.JdbcMailStore;
import io.mailserver.web.ClientSettings;
import io.mailserver.web.WebService;

/** One server process: the store, and around it every listener and the outbound queue. */
public final class MailServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(MailServer.class);

    private final ServerConfig config;
    private final MailStore store;
    private final List<AutoCloseable> services = new ArrayList<>();
    private boolean closed;
    private SmtpService smtp;
    private ServerTls tls;
    private OutboundService outbound;
    private Pop3Service pop3;
    private WebService web;

    private MailServer(ServerConfig config, MailStore store) {
        this.config = config;
        this.store = store;
    }

    public static MailServer start(ServerConfig config) throws IOException {
        log.info("starting {} (data directory {})", config.hostname(), config.dataDir());
        config.deprecations().forEach(d -> log.warn("configuration: {}", d));
        MailStore store = JdbcMailStore.open(config, new PasswordHasher(), JdbcMailStore.Role.SERVER);
        log.info("store: {}", config.databaseUrl().orElse("embedded H2 in " + config.dataDir().resolve("db")));
        MailServer server = new MailServer(config, store);
        try {
            server.startServices();
        } catch (IOException | RuntimeException e) {
            server.close();
            throw e;
        }
        log.info("{} ready", config.hostname());
        return server;
    }

    private void startServices() throws IOException {
        // one certificate (the configured one, or a self-signed one made on the first start) for every listener,
        // and one failed-login count per client address across SMTP AUTH and POP3
        tls = ServerTls.fromConfig(config);
        LoginThrottle throttle = new LoginThrottle(config.maxAuthFailures(), LoginThrottle.DEFAULT_WINDOW, Clock.systemUTC());
        // closed in reverse order: listeners first, then the queue runner (it still records outcomes), then the store
        outbound = OutboundService.start(config, store);
        services.add(() -> outbound.stop(config.shutdownGrace()));
        SmtpSettings settings = SmtpSettings.from(config);
        // with SPF, DKIM, DMARC, Authentication-Results, blocklists and reverse DNS
        InboundChecks checks = InboundChecks.standard(settings, store, Optional.of(outbound.dns()),
                MailAuthChecks.from(config, DkimSignatureVerification.from(config)));
        SmtpContext context = new SmtpContext(settings, store, Clock.systemDefaultZone(), checks);
        context.addRemoteQueuedListener(outbound::wakeUp); // a message queued for a remote recipient wakes the runner at once
        smtp = SmtpService.start(config, context, tls, throttle);
        services.add(() -> smtp.shutdown(config.shutdownGrace()));
        pop3 = Pop3Service.start(config, store, tls, throttle);
        services.add(() -> pop3.shutdown(config.shutdownGrace()));
        // autoconfiguration names the ports actually bound (they differ from the configuration's with port 0)
        ClientSettings clients = ClientSettings.of(config.hostname(), bound(pop3::tlsPort), bound(pop3::port),
                bound(smtp::smtpsPort), bound(smtp::submissionPort));
        ServerMetricsRegistry metrics = new ServerMetricsRegistry(store.queue(), Clock.systemUTC(), () -> {
            java.util.Map<String, Integer> open = new java.util.LinkedHashMap<>(smtp.connectionsByListener());
            open.putAll(pop3.connectionsByListener());
            return open;
        });
        web = WebService.start(config, store, tls, clients, this::isRunning, metrics::scrape);
        services.add(web::close);
        services.add(metrics);
        services.add(IdleCollector.start());
    }

    private static OptionalInt bound(IntSupplier port) {
        try {
            return OptionalInt.of(port.getAsInt());
        } catch (IllegalStateException off) {
            return OptionalInt.empty();
        }
    }

    private synchronized boolean isRunning() {
        return !closed;
    }

    /** The HTTP(S) listener: autoconfiguration, MTA-STS, health. */
    public WebService web() {
        return web;
    }

    /** The outbound queue runner. */
    public OutboundService outbound() {
        return outbound;
    }

    /** The POP3 service. */
    public Pop3Service pop3() {
        return pop3;
    }

    /** The TLS certificate every listener serves (picked up again when its files change). */
    public ServerTls tls() {
        return tls;
    }

    /** The SMTP service (its listeners' actual ports are there, for tests that bind port 0). */
    public SmtpService smtp() {
        return smtp;
    }

    public MailStore store() {
        return store;
    }

    public ServerConfig config() {
        return config;
    }

    /** Stops accepting, lets transactions in progress finish within {@code server.shutdown-grace}, closes the store. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        Duration grace = config.shutdownGrace();
        for (int i = services.size() - 1; i >= 0; i--) {
            try {
                services.get(i).close();
            } catch (Exception e) {
                log.warn("error while stopping a service: {}", e.toString());
            }
        }
        store.close();
        log.info("stopped (grace {}s)", grace.toSeconds());
    }
}
