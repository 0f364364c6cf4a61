package io.mailserver.mta.smtp.check;

import io.mailserver.mta.smtp.Recipient;
import io.mailserver.mta.smtp.Replies;
import io.mailserver.mta.smtp.SmtpSession;
import io.mailserver.mta.smtp.Transaction;

/**
 * An address of a local domain must lead to a mailbox: a user, an alias or the postmaster rule (see
 * {@code RecipientResolver}); otherwise {@code 550 5.1.1}. A postmaster address with nowhere to go yet (no
 * user in the domain) gets {@code 451 4.3.0}, so the sender retries and nothing is lost.
 */
public final class RecipientExistsCheck implements RcptCheck {
    @Override
    public CheckResult atRcpt(SmtpSession session, Transaction transaction, Recipient recipient) {
        return switch (recipient.placement()) {
            case LOCAL, REMOTE -> CheckResult.accept();
            case UNKNOWN -> CheckResult.reject(Replies.userUnknown(recipient.path().toString()));
            case NO_POSTMASTER -> CheckResult.tempFail(Replies.postmasterUnavailable(recipient.path().toString()));
        };
    }
}
