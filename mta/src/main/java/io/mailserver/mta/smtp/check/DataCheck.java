package io.mailserver.mta.smtp.check;

import io.mailserver.mta.smtp.SmtpSession;
import io.mailserver.mta.smtp.Transaction;

/**
 * Judges the message content. At DATA (after 354) it opens a {@link MessageScan} for this one message, which
 * sees the content as it streams to the store (never the whole message at once) and decides at CRLF.CRLF.
 */
public non-sealed interface DataCheck extends InboundCheck {
    MessageScan open(SmtpSession session, Transaction transaction);

    @Override
    default Stage stage() {
        return Stage.DATA_END;
    }
}
