package io.mailserver.mta.outbound;

import io.mailserver.mta.outbound.dns.SenderDomainCheck;
import io.mailserver.mta.smtp.MailParameters;
import io.mailserver.mta.smtp.PolicyResult;
import io.mailserver.mta.smtp.ReversePath;
import io.mailserver.mta.smtp.SenderCheck;
import io.mailserver.mta.smtp.SmtpReply;
import io.mailserver.mta.smtp.SmtpSession;

/** Plugs {@link SenderDomainCheck} into the SMTP core's MAIL FROM checks (it runs on a handler thread: DNS may block). */
final class SenderDomainPolicy implements SenderCheck {
    private final SenderDomainCheck check;

    SenderDomainPolicy(SenderDomainCheck check) {
        this.check = check;
    }

    @Override
    public PolicyResult check(SmtpSession session, ReversePath sender, MailParameters parameters) {
        SenderDomainCheck.Verdict v = check.check(sender.isNull() ? "" : sender.envelopeAddress(), session.isTrusted());
        if (v.accepted()) {
            return PolicyResult.ACCEPT;
        }
        SmtpReply reply = SmtpReply.of(v.code(), v.status(), v.text());
        return v.temporary() ? PolicyResult.tempFail(reply) : PolicyResult.reject(reply);
    }
}
