package io.mailserver.mta.smtp.check;

import io.mailserver.mta.smtp.Recipient;
import io.mailserver.mta.smtp.SmtpSession;
import io.mailserver.mta.smtp.Transaction;

/**
 * Runs on a syntactically valid RCPT TO. {@link Recipient#placement()} says where the address leads (looked up
 * once, however many checks ask); when every check accepts, that placement is kept with the transaction.
 */
public non-sealed interface RcptCheck extends InboundCheck {
    CheckResult atRcpt(SmtpSession session, Transaction transaction, Recipient recipient);

    @Override
    default Stage stage() {
        return Stage.RCPT;
    }
}
