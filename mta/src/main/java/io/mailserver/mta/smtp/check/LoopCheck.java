package io.mailserver.mta.smtp.check;

import io.mailserver.mta.smtp.Replies;
import io.mailserver.mta.smtp.SmtpSession;
import io.mailserver.mta.smtp.Transaction;

/**
 * Loop detection (RFC 5321 6.3): a message that already carries more than {@code smtp.max-received-headers}
 * Received fields has been going round; {@code 554 5.4.6}.
 */
public record LoopCheck(int maxReceivedHeaders) implements DataCheck {
    @Override
    public MessageScan open(SmtpSession session, Transaction transaction) {
        return new MessageScan() {
            private int received;

            @Override
            public CheckResult headerField(HeaderField field) {
                if (field.nameIs("Received") && ++received > maxReceivedHeaders) {
                    return CheckResult.reject(Replies.MAIL_LOOP);
                }
                return CheckResult.accept();
            }
        };
    }
}
