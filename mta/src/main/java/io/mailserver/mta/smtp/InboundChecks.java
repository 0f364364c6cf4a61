package io.mailserver.mta.smtp;

import java.io.IOException;
import java.io.OutputStream;

/**
 * Checks of inbound mail that need more than one command to decide: at connect (before the greeting) and
 * around a message's content (they see it on its way to the store and decide at the end of data, with a
 * header to put on top). Called on handler threads, which may block on DNS; never on the I/O threads.
 * The launcher installs one with {@link SmtpContext#inboundChecks(InboundChecks)}; without it nothing is
 * checked (protocol tests, listeners of tests).
 */
public interface InboundChecks {
    /** Before the greeting. A refusal is sent instead of the greeting, and the connection closes. */
    PolicyResult connect(SmtpSession session);

    /**
     * A message of this transaction is about to be received; {@code store} is where its content goes.
     * @return the check that sees this message, or null when none applies
     */
    MessageCheck message(SmtpSession session, Transaction transaction, OutputStream store);

    /** One message's check. */
    interface MessageCheck {
        /** Where the content goes instead of the store (the check passes it on). */
        OutputStream content();

        /** At the end of data, once all content was written without a problem. */
        Verdict finish() throws IOException;
    }

    /** The decision, and header lines to store on top of the message when it is accepted (or null). */
    record Verdict(PolicyResult result, byte[] header) {
    }

    InboundChecks NONE = new InboundChecks() {
        @Override
        public PolicyResult connect(SmtpSession session) {
            return PolicyResult.ACCEPT;
        }

        @Override
        public MessageCheck message(SmtpSession session, Transaction transaction, OutputStream store) {
            return null;
        }
    };
}
