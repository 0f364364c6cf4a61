package io.mailserver.mta.smtp;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.mailserver.mta.smtp.check.CheckResult;
import io.mailserver.session.Printable;

/**
 * MAIL FROM (RFC 5321 4.1.1.2): the path and parameters, then the MAIL checks of {@link io.mailserver.mta.smtp.check.InboundChecks}
 * (the declared size among them) in order.
 */
final class MailCommand implements CommandHandler {
    private static final Logger log = LoggerFactory.getLogger(MailCommand.class);

    @Override
    public Outcome handle(SmtpProtocol protocol, String argument) {
        SmtpSession session = protocol.session();
        PathParser.MailArguments args;
        try {
            args = PathParser.parseMail(argument, session.esmtp());
        } catch (SyntaxException e) {
            return Outcome.reply(e.reply());
        }
        CheckResult result = protocol.context().checks().atMail(session, args.path(), args.parameters());
        if (!result.accepted()) {
            log.info("reject MAIL from {}: {} {}", session.clientForLog(), Printable.forLog(args.path().toString()), result.reply().summary());
            return Outcome.refusal(result);
        }
        protocol.transaction().start(args.path(), args.parameters());
        return Outcome.reply(Replies.SENDER_OK);
    }
}
