package io.mailserver.relay;

import io.mailserver.config.HostPort;
import io.mailserver.config.ServerConfig;
import io.mailserver.mailauth.dkim.DkimSigner;
import io.mailserver.relay.client.ClientTls;
import io.mailserver.relay.client.SmtpTimeouts;
import io.mailserver.mailauth.dns.DnsResolver;
import io.mailserver.mailauth.dns.DnsjavaResolver;
import io.mailserver.relay.dsn.Bouncer;
import io.mailserver.store.MailStore;
import java.lang.management.ManagementFactory;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.Random;

/**
 * Outbound delivery as the launcher sees it: {@link #start(ServerConfig, MailStore)} builds the
 * resolver, router and queue runner from the configuration and starts the runner;
 * {@link #wakeUp()} after SMTP queued a remote recipient (the launcher makes the SMTP context call it); {@link #stop(Duration)} on shutdown.
 */
public final class OutboundService {
    private final QueueRunner runner;
    private final DnsResolver dns;

    private OutboundService(QueueRunner runner, DnsResolver dns) {
        this.runner = runner;
        this.dns = dns;
    }

    /**
     * What the configuration file does not say: fixed in production, replaced in tests.
     *
     * @param dns empty: dnsjava with {@code dns.resolver}
     * @param mxPort the port of MX hosts (25; a test's sink port)
     * @param timeouts empty: RFC 5321 4.5.3.2 with {@code relay.connect-timeout}
     */
    public record Options(Optional<DnsResolver> dns, int mxPort, Optional<SmtpTimeouts> timeouts, ClientTls clientTls, Optional<String> runnerId,
                          Clock clock) {
        public static Options defaults() {
            return new Options(Optional.empty(), 25, Optional.empty(), ClientTls.defaults(), Optional.empty(), Clock.systemUTC());
        }

        public Options withDns(DnsResolver resolver) {
            return new Options(Optional.of(resolver), mxPort, timeouts, clientTls, runnerId, clock);
        }

        public Options withMxPort(int port) {
            return new Options(dns, port, timeouts, clientTls, runnerId, clock);
        }

        public Options withTimeouts(SmtpTimeouts t) {
            return new Options(dns, mxPort, Optional.of(t), clientTls, runnerId, clock);
        }

        public Options withClientTls(ClientTls tls) {
            return new Options(dns, mxPort, timeouts, tls, runnerId, clock);
        }

        public Options withRunnerId(String id) {
            return new Options(dns, mxPort, timeouts, clientTls, Optional.of(id), clock);
        }
    }

    /** Starts the queue runner with production settings. */
    public static OutboundService start(ServerConfig config, MailStore store) {
        return start(config, store, Options.defaults());
    }

    public static OutboundService start(ServerConfig config, MailStore store, Options options) {
        OutboundService s = create(config, store, options);
        s.runner.start();
        return s;
    }

    /** Builds everything without starting the runner. */
    public static OutboundService create(ServerConfig config, MailStore store, Options options) {
        DnsResolver dns = options.dns().orElseGet(() -> DnsjavaResolver.create(config.dnsResolver().map(HostPort::toSocketAddress)));
        String hostname = config.hostname();
        Optional<Destination.Credentials> credentials = config.smarthostUser()
                .map(u -> new Destination.Credentials(u, config.smarthostPassword()));
        Router router = new Router(config.relayRoutes(), config.smarthost(), RelayTlsPolicy.fromConfig(config.smarthostTls()), credentials, dns,
                hostname, options.mxPort(), new SecureRandom());
        SmtpTimeouts timeouts = options.timeouts().orElseGet(() -> SmtpTimeouts.rfc5321(config.relayConnectTimeout()));
        Bouncer bouncer = new Bouncer(store.messages(), store.directory(), hostname);
        DeliveryRun.Context ctx = new DeliveryRun.Context(store.queue(), router, bouncer, RetrySchedule.from(config), timeouts, options.clientTls(),
                hostname, options.clock(), config.relayLease(),
                new OutboundDkim(store.dkimKeys(), config::isTrusted, new DkimSigner(options.clock()), config.dkimSign()));
        String runnerId = options.runnerId().orElseGet(() -> hostname + "/" + ManagementFactory.getRuntimeMXBean().getName() + "/"
                + Integer.toHexString(new Random().nextInt()));
        QueueRunner runner = new QueueRunner(runnerId, store.queue(), router, ctx, config.relayRoutes(), config.relayConcurrency(),
                config.relayConcurrencyPerDestination(), config.relayPollInterval(), config.relayLease(), config.queueHistoryRetention());
        return new OutboundService(runner, dns);
    }

    public QueueRunner runner() {
        return runner;
    }

    /** The resolver the outbound side uses; the launcher gives it to the inbound checks that need DNS too. */
    public DnsResolver dns() {
        return dns;
    }

    public void wakeUp() {
        runner.wakeUp();
    }

    /** Stops the runner (see {@link QueueRunner#stop}); call it before closing the store, so outcomes can still be recorded. */
    public void stop(Duration grace) {
        runner.stop(grace);
    }
}
