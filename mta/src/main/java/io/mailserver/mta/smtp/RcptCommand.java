package io.mailserver.mta.smtp;

import io.mailserver.store.MailMetrics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.mailserver.mta.smtp.check.CheckResult;
import io.mailserver.session.Printable;

/**
 * RCPT TO (RFC 5321 4.1.1.3): the recipient limit (RFC 5321 4.5.3.1.10: 452 4.5.3), the path, then the RCPT
 * checks (relay control, recipient existence, ...); an accepted recipient's fate is decided now and kept with
 * the transaction.
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
        Recipient recipient = new Recipient(path, protocol.context().resolver());
        CheckResult result = protocol.context().checks().atRcpt(session, tx, recipient);
        if (!result.accepted()) {
            log.info("reject RCPT from {}: {}; from={} to={}", session.clientForLog(), result.reply().summary(),
                    Printable.forLog(String.valueOf(tx.sender())), Printable.forLog(path.toString()));
            // the enhanced status code says why: 5.1.1 no such user, 5.7.1 relay or policy, 4.x temporary, ...
            SmtpReply reply = result.reply();
            MailMetrics.recipientRejected(reply.enhanced() == null || reply.enhanced().isEmpty() ? String.valueOf(reply.code()) : reply.enhanced());
            return Outcome.refusal(result);
        }
        AcceptedRecipient accepted = recipient.accepted();
        if (accepted == null) {
            throw new IllegalStateException("the RCPT checks accepted " + path + ", which leads nowhere: is RecipientExistsCheck missing?");
        }
        tx.addRecipient(accepted);
        return Outcome.reply(Replies.RECIPIENT_OK);
    }
}
