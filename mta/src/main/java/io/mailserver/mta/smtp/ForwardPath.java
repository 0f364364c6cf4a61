package io.mailserver.mta.smtp;

import io.mailserver.store.MailAddress;

/**
 * A RCPT TO path: a mailbox, or the bare {@code <Postmaster>} that RFC 5321 4.1.1.3 requires every
 * server to accept without a domain ({@code mailbox} is null then).
 */
public record ForwardPath(MailAddress mailbox) {
    public static final ForwardPath BARE_POSTMASTER = new ForwardPath(null);

    public boolean isBarePostmaster() {
        return mailbox == null;
    }

    @Override
    public String toString() {
        return mailbox == null ? "<postmaster>" : "<" + mailbox + ">";
    }
}
