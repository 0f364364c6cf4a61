package io.mailserver.mta.smtp.check;

import io.mailserver.mta.smtp.MailParameters;
import io.mailserver.mta.smtp.Replies;
import io.mailserver.mta.smtp.ReversePath;
import io.mailserver.mta.smtp.SmtpSession;

/** RFC 1870 6.1: a {@code SIZE=} over {@code limits.message-size} is refused at MAIL, not after the upload. */
public record DeclaredSizeCheck(long maxMessageSize) implements MailCheck {
    @Override
    public CheckResult atMail(SmtpSession session, ReversePath sender, MailParameters parameters) {
        boolean tooBig = parameters.declaredSize().isPresent() && parameters.declaredSize().getAsLong() > maxMessageSize;
        return tooBig ? CheckResult.reject(Replies.SIZE_EXCEEDS_LIMIT) : CheckResult.accept();
    }
}
