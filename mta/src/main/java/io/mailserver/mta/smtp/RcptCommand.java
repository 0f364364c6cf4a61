package io.mailserver.mta.smtp;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.mailserver.net.Printable;

/**
 * RCPT TO (RFC 5321 4.1.1.3): the recipient limit (RFC 5321 4.5.3.1.10: 452 4.5.3), the path, then
 * relay policy, directory and postmaster rule, decided now and kept with the transaction.
 */
final class RcptCommand implements CommandHandler {
    private static final Logger log = LoggerFactory.getLogger(RcptCommand.class);

    @Override
    public Outcome handle(SmtpProtocol protocol, String argument) {
        SmtpSession session = protocol.session();
        Transaction tx = protocol.transaction();
        tx.countRcptAttempt();
        if (tx.recipients().size() >= protocol.settings().maxRecipients()) {
            return Outcome.reply(Replies.TOO_MANY_RECIPIENTS);
        }
        ForwardPath path;
        try {
            path = PathParser.parseRcpt(argument, session.esmtp());
        } catch (SyntaxException e) {
            return Outcome.reply(e.reply());
        }
        RecipientResolver.Decision decision = protocol.context().resolver().resolve(path, session);
        if (decision.refusal() != null) {
            log.info("reject RCPT from {}: {}; from={} to={}", session.clientForLog(), decision.refusal().summary(),
                    Printable.forLog(String.valueOf(tx.sender())), Printable.forLog(path.toString()));
            return Outcome.reply(decision.refusal());
        }
        tx.addRecipient(decision.accepted());
        return Outcome.reply(Replies.RECIPIENT_OK);
    }
}
