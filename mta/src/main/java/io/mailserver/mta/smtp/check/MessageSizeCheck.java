package io.mailserver.mta.smtp.check;

import io.mailserver.mta.smtp.Replies;
import io.mailserver.mta.smtp.SmtpSession;
import io.mailserver.mta.smtp.Transaction;

/**
 * The message as stored (without our Received header) may not exceed {@code limits.message-size}: past it nothing
 * more is stored, the rest is read, and the end of data gets {@code 552 5.3.4}.
 */
public record MessageSizeCheck(long maxMessageSize) implements DataCheck {
    @Override
    public MessageScan open(SmtpSession session, Transaction transaction) {
        return new Count();
    }

    /** The octets stored so far: header fields with their CRLFs, the empty line after them, body lines with theirs. */
    private final class Count implements MessageScan {
        private long size;

        @Override
        public CheckResult headerField(HeaderField field) {
            return add(field.bytes().length);
        }

        @Override
        public CheckResult headerEnd() {
            return add(2);
        }

        @Override
        public CheckResult bodyLine(byte[] bytes, int offset, int length, boolean endsLine) {
            return add(length + (endsLine ? 2 : 0));
        }

        private CheckResult add(long octets) {
            size += octets;
            return size > maxMessageSize ? CheckResult.reject(Replies.MESSAGE_TOO_BIG) : CheckResult.accept();
        }
    }
}
