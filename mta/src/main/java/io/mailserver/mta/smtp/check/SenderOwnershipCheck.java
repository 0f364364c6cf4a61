package io.mailserver.mta.smtp.check;

import io.mailserver.mta.smtp.MailParameters;
import io.mailserver.mta.smtp.Replies;
import io.mailserver.mta.smtp.ReversePath;
import io.mailserver.mta.smtp.SmtpSession;
import io.mailserver.store.Directory;
import io.mailserver.store.MailAddress;
import io.mailserver.store.Resolution;
import io.mailserver.store.StoreException;

/**
 * An authenticated user sends only as themselves (RFC 6409 8.1 lets the submission server refuse other
 * senders): the envelope sender must be the user's own address or an alias that delivers to them, else
 * {@code 553 5.7.1}. The null sender stays allowed (read receipts and other notifications use it). Sessions
 * without AUTH are not judged here: submission needs AUTH before MAIL, and MX mail is judged by recipient.
 */
public record SenderOwnershipCheck(Directory directory) implements MailCheck {
    @Override
    public CheckResult atMail(SmtpSession session, ReversePath sender, MailParameters parameters) {
        String user = session.authenticatedUser();
        if (user == null || sender.isNull()) {
            return CheckResult.accept();
        }
        MailAddress from = sender.mailbox();
        if (from.key().equals(user)) {
            return CheckResult.accept();
        }
        Resolution resolution;
        try {
            resolution = directory.resolve(from);
        } catch (StoreException e) {
            return CheckResult.tempFail(Replies.LOCAL_ERROR);
        }
        boolean deliversToUser = resolution.kind() == Resolution.Kind.ALIAS
                && resolution.localUsers().stream().anyMatch(u -> u.address().equals(user));
        return deliversToUser ? CheckResult.accept() : CheckResult.reject(Replies.senderNotOwned(sender.toString(), user));
    }
}
