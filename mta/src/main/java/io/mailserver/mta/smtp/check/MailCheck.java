package io.mailserver.mta.smtp.check;

import io.mailserver.mta.smtp.MailParameters;
import io.mailserver.mta.smtp.ReversePath;
import io.mailserver.mta.smtp.SmtpSession;

/** Runs on a syntactically valid MAIL FROM, before the transaction starts. */
public non-sealed interface MailCheck extends InboundCheck {
    CheckResult atMail(SmtpSession session, ReversePath sender, MailParameters parameters);

    @Override
    default Stage stage() {
        return Stage.MAIL;
    }
}
