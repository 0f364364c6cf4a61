package io.mailserver.mta.smtp.check;

import io.mailserver.config.HostPort;
import io.mailserver.config.ServerConfig;
import io.mailserver.mailauth.client.Dnsbl;
import io.mailserver.mailauth.client.ForwardConfirmedName;
import io.mailserver.mailauth.dmarc.DmarcChecker;
import io.mailserver.mailauth.spf.DnsjavaSpfDns;
import io.mailserver.mailauth.spf.SpfChecker;
import io.mailserver.mailauth.spf.SpfDns;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.Random;

/**
 * The mail-authentication checks as the configuration asks for them ({@code auth.*}), for
 * {@link InboundChecks#standard} to put in their places: reverse DNS and blocklists at CONNECT, SPF/DKIM/DMARC
 * with Authentication-Results at DATA_END. {@link #NONE}: none of them (tests, servers without DNS).
 */
public record MailAuthChecks(Optional<ReverseDnsCheck> reverseDns, Optional<DnsblCheck> dnsbl, Optional<AuthenticationCheck> message) {
    public static final MailAuthChecks NONE = new MailAuthChecks(Optional.empty(), Optional.empty(), Optional.empty());

    /** From the {@code auth.*} keys; DNS through {@code dns.resolver} (or the system's resolvers) with {@code auth.dns-timeout}. */
    public static MailAuthChecks from(ServerConfig config, DkimVerification dkim) {
        Optional<HostPort> server = config.dnsResolver();
        SpfDns dns = server.isPresent()
                ? DnsjavaSpfDns.forServer(server.get().host(), server.get().port(), config.authDnsTimeout())
                : DnsjavaSpfDns.system(config.authDnsTimeout());
        return of(config.hostname(), dns, config.authChecks(), config.rejectSpfFail(), config.enforceDmarcReject(), config.dnsblZones(),
                config.reverseDns(), dkim);
    }

    /** The same from explicit settings (tests). */
    public static MailAuthChecks of(String hostname, SpfDns dns, boolean checkMessages, boolean rejectSpfFail, boolean enforceDmarcReject,
                                    List<String> dnsblZones, boolean reverseDns, DkimVerification dkim) {
        Optional<AuthenticationCheck> message = checkMessages
                ? Optional.of(new AuthenticationCheck(hostname, new SpfChecker(dns, hostname, Clock.systemUTC()),
                        new DmarcChecker(dns, new Random()), dkim, rejectSpfFail, enforceDmarcReject))
                : Optional.empty();
        return new MailAuthChecks(reverseDns ? Optional.of(new ReverseDnsCheck(new ForwardConfirmedName(dns))) : Optional.empty(),
                dnsblZones.isEmpty() ? Optional.empty() : Optional.of(new DnsblCheck(new Dnsbl(dns, dnsblZones))), message);
    }
}
