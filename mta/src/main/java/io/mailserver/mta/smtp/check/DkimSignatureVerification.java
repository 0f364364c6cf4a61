package io.mailserver.mta.smtp.check;

import io.mailserver.config.HostPort;
import io.mailserver.config.ServerConfig;
import io.mailserver.mailauth.dkim.DkimVerifier;
import io.mailserver.mailauth.dns.DnsjavaTxtLookup;
import io.mailserver.mailauth.dns.TxtLookup;
import io.mailserver.mailauth.results.DkimResult;
import java.io.OutputStream;
import java.time.Clock;
import java.util.List;
import java.util.Optional;

/**
 * The {@code mailauth} DKIM verifier in the inbound checks: the message streams through it as it is received,
 * and each signature's outcome becomes the value DMARC and Authentication-Results take.
 */
public final class DkimSignatureVerification implements DkimVerification {
    private final DkimVerifier verifier;

    public DkimSignatureVerification(DkimVerifier verifier) {
        this.verifier = verifier;
    }

    /** Keys looked up through {@code dns.resolver} (or the system's resolvers), each query bounded by {@code auth.dns-timeout}. */
    public static DkimVerification from(ServerConfig config) {
        Optional<HostPort> server = config.dnsResolver();
        TxtLookup dns = server.isPresent()
                ? DnsjavaTxtLookup.forServer(server.get().host(), server.get().port(), config.authDnsTimeout())
                : DnsjavaTxtLookup.system();
        return new DkimSignatureVerification(new DkimVerifier(dns, Clock.systemUTC()));
    }

    @Override
    public Message start() {
        DkimVerifier.Verification verification = verifier.start();
        return new Message() {
            @Override
            public OutputStream content() {
                return verification;
            }

            @Override
            public List<DkimResult> results() {
                return verification.results().stream()
                        .map(r -> new DkimResult(r.result().keyword(), r.domain(), r.selector(), r.identity(), r.reason()))
                        .toList();
            }
        };
    }
}
