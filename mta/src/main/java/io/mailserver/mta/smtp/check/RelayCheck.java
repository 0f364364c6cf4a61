package io.mailserver.mta.smtp.check;

import io.mailserver.mta.smtp.Recipient;
import io.mailserver.mta.smtp.Replies;
import io.mailserver.mta.smtp.SmtpSession;
import io.mailserver.mta.smtp.Transaction;

/**
 * Who may send mail where (docs/design.md, contract 7: an open relay cannot happen by a configuration mistake).
 * An address of a local domain is accepted from anyone (whether it exists is {@link RecipientExistsCheck}'s
 * business); any other domain, address literals included, only from trusted networks ({@code network.trusted})
 * or authenticated sessions; everyone else gets {@code 554 5.7.1}.
 *
 * <p>The address is judged exactly as parsed: {@code %} and {@code !} in a local part route nothing, a source
 * route is ignored, and the domain is compared case-insensitively without a trailing dot.
 */
public final class RelayCheck implements RcptCheck {
    @Override
    public CheckResult atRcpt(SmtpSession session, Transaction transaction, Recipient recipient) {
        if (recipient.placement() == Recipient.Placement.REMOTE && !session.isTrusted()) {
            return CheckResult.reject(Replies.relayDenied(recipient.path().toString()));
        }
        return CheckResult.accept();
    }
}
