package io.mailserver.mta.smtp.check;

import io.mailserver.mta.smtp.SmtpSession;

/** Runs on a syntactically valid HELO or EHLO; {@code session.helo()} is already the new name. */
public non-sealed interface HeloCheck extends InboundCheck {
    CheckResult atHelo(SmtpSession session);

    @Override
    default Stage stage() {
        return Stage.HELO;
    }
}
