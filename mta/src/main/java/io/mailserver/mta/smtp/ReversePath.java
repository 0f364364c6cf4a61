package io.mailserver.mta.smtp;

import io.mailserver.store.MailAddress;

/** The MAIL FROM path: a mailbox, or the null path {@code <>} of bounces (RFC 5321 4.5.5). */
public record ReversePath(MailAddress mailbox) {
    public static final ReversePath NULL = new ReversePath(null);

    public boolean isNull() {
        return mailbox == null;
    }

    /** The sender as the store keeps it: {@code local@domain}, or "" for the null path. */
    public String envelopeAddress() {
        return mailbox == null ? "" : mailbox.toString();
    }

    /** As written in an SMTP path, with angle brackets. */
    @Override
    public String toString() {
        return "<" + envelopeAddress() + ">";
    }
}
