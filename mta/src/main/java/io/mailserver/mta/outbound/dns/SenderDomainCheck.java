package io.mailserver.mta.outbound.dns;

import io.mailserver.store.Directory;
import io.mailserver.store.MailAddress;
import java.util.function.Predicate;

/**
 * Inbound {@code MAIL FROM} check: a sender domain that cannot receive a reply (no MX, no address
 * record) is refused, so that bounces of such mail have somewhere to go (Postfix's
 * {@code reject_unknown_sender_domain}). Only for untrusted, unauthenticated clients; the null
 * sender and local domains are never checked. Blocking (DNS): run it off the I/O threads.
 */
public final class SenderDomainCheck {
    /** What SMTP answers; {@code accepted()} means go on with the other checks. */
    public record Verdict(int code, String status, String text) {
        static final Verdict ACCEPT = new Verdict(250, "2.1.0", "Sender domain ok");

        public boolean accepted() {
            return code < 400;
        }

        public boolean temporary() {
            return code >= 400 && code < 500;
        }

        /** The reply line without CRLF, e.g. {@code 553 5.1.8 <a@b.test>: Sender address rejected: Domain not found}. */
        public String replyLine() {
            return code + " " + status + " " + text;
        }
    }

    private final DnsResolver dns;
    private final Predicate<String> isLocalDomain;
    private final boolean enabled;

    public SenderDomainCheck(DnsResolver dns, Directory directory, boolean enabled) {
        this(dns, directory::isLocalDomain, enabled);
    }

    public SenderDomainCheck(DnsResolver dns, Predicate<String> isLocalDomain, boolean enabled) {
        this.dns = dns;
        this.isLocalDomain = isLocalDomain;
        this.enabled = enabled;
    }

    /**
     * @param reversePath the MAIL FROM address without brackets, "" for the null sender
     * @param trustedOrAuthenticated the client is in a trusted network or has authenticated
     */
    public Verdict check(String reversePath, boolean trustedOrAuthenticated) {
        if (!enabled || trustedOrAuthenticated || reversePath.isEmpty()) {
            return Verdict.ACCEPT;
        }
        MailAddress sender;
        try {
            sender = MailAddress.parse(reversePath);
        } catch (IllegalArgumentException e) {
            return Verdict.ACCEPT; // syntax is the SMTP core's business, not this check's
        }
        if (sender.isAddressLiteral() || isLocalDomain.test(sender.normalizedDomain())) {
            return Verdict.ACCEPT;
        }
        return checkDomain(sender.normalizedDomain(), reversePath);
    }

    private Verdict checkDomain(String domain, String reversePath) {
        DnsAnswer<MxRecord> mx = dns.mx(domain);
        switch (mx.status()) {
            case FOUND:
                if (mx.records().stream().allMatch(MxRecord::isNullMx)) {
                    // RFC 7505 4.2: mail from a domain that declares it receives none MAY be refused, 550 5.7.27
                    return new Verdict(550, "5.7.27", "<" + reversePath + ">: Sender address has null MX");
                }
                return Verdict.ACCEPT;
            case TEMP_FAILURE:
                return tempFail(reversePath);
            case NO_DOMAIN:
                return notFound(reversePath);
            case NO_RECORDS:
            default:
                break;
        }
        // RFC 5321 5.1: no MX means the domain's address records act as an implicit MX
        DnsAnswer<java.net.InetAddress> a = dns.addresses(domain);
        return switch (a.status()) {
            case FOUND -> Verdict.ACCEPT;
            case TEMP_FAILURE -> tempFail(reversePath);
            default -> notFound(reversePath);
        };
    }

    private static Verdict notFound(String reversePath) {
        return new Verdict(553, "5.1.8", "<" + reversePath + ">: Sender address rejected: Domain not found");
    }

    private static Verdict tempFail(String reversePath) {
        return new Verdict(451, "4.1.8", "<" + reversePath + ">: Sender address rejected: Domain lookup failed temporarily, try again later");
    }
}
