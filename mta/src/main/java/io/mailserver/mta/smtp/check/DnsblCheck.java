package io.mailserver.mta.smtp.check;

import io.mailserver.mailauth.client.Dnsbl;
import io.mailserver.mta.smtp.ListenerProfile;
import io.mailserver.mta.smtp.SmtpSession;

/**
 * DNS blocklists at connect ({@code auth.dnsbl}): a client of the MX listener outside the trusted networks that
 * a zone lists gets {@code 554 5.7.1} with the list's text instead of the greeting. Submission is not checked:
 * its users often connect from listed home addresses, and log in.
 */
public record DnsblCheck(Dnsbl lists) implements ConnectCheck {
    @Override
    public CheckResult atConnect(SmtpSession session) {
        if (session.profile() != ListenerProfile.MX || session.isTrustedNetwork()) {
            return CheckResult.accept();
        }
        return lists.check(session.remoteAddress())
                .map(l -> CheckResult.disconnect(554, "5.7.1", "Service unavailable; client " + session.remoteLiteral()
                        + " blocked using " + l.zone() + "; " + AuthenticationCheck.replyText(l.text())))
                .orElse(CheckResult.accept());
    }
}
