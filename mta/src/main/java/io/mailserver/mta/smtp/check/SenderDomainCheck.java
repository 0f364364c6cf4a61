package io.mailserver.mta.smtp.check;

import java.net.InetAddress;
import java.util.function.Predicate;

import io.mailserver.mailauth.dns.DnsAnswer;
import io.mailserver.mailauth.dns.DnsResolver;
import io.mailserver.mailauth.dns.MxRecord;
import io.mailserver.mta.smtp.MailParameters;
import io.mailserver.mta.smtp.ReversePath;
import io.mailserver.mta.smtp.SmtpSession;
import io.mailserver.store.MailAddress;

/**
 * {@code smtp.check-sender-domain}: a sender domain that cannot receive a reply (no MX, no address record) is
 * refused at MAIL, so that bounces of such mail have somewhere to go (Postfix's
 * {@code reject_unknown_sender_domain}). Only for untrusted, unauthenticated clients; the null sender,
 * address literals and local domains are never checked. It asks the same resolver as outbound delivery and
 * blocks on DNS, which is allowed on a handler thread.
 */
public record SenderDomainCheck(DnsResolver dns, Predicate<String> isLocalDomain, boolean enabled) implements MailCheck {
    @Override
    public CheckResult atMail(SmtpSession session, ReversePath sender, MailParameters parameters) {
        if (!enabled || session.isTrusted() || sender.isNull()) {
            return CheckResult.accept();
        }
        MailAddress address = sender.mailbox();
        if (address.isAddressLiteral() || isLocalDomain.test(address.normalizedDomain())) {
            return CheckResult.accept();
        }
        return checkDomain(address.normalizedDomain(), sender.envelopeAddress());
    }

    private CheckResult checkDomain(String domain, String reversePath) {
        DnsAnswer<MxRecord> mx = dns.mx(domain);
        switch (mx.status()) {
            case FOUND:
                if (mx.records().stream().allMatch(MxRecord::isNullMx)) {
                    // RFC 7505 4.2: mail from a domain that declares it receives none MAY be refused, 550 5.7.27
                    return CheckResult.reject(550, "5.7.27", "<" + reversePath + ">: Sender address has null MX");
                }
                return CheckResult.accept();
            case TEMP_FAILURE:
                return tempFail(reversePath);
            case NO_DOMAIN:
                return notFound(reversePath);
            case NO_RECORDS:
            default:
                break;
        }
        // RFC 5321 5.1: no MX means the domain's address records act as an implicit MX
        DnsAnswer<InetAddress> a = dns.addresses(domain);
        return switch (a.status()) {
            case FOUND -> CheckResult.accept();
            case TEMP_FAILURE -> tempFail(reversePath);
            default -> notFound(reversePath);
        };
    }

    private static CheckResult notFound(String reversePath) {
        return CheckResult.reject(553, "5.1.8", "<" + reversePath + ">: Sender address rejected: Domain not found");
    }

    private static CheckResult tempFail(String reversePath) {
        return CheckResult.tempFail(451, "4.1.8", "<" + reversePath + ">: Sender address rejected: Domain lookup failed temporarily, try again later");
    }
}
