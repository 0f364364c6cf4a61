package io.mailserver.mta.smtp;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.mailserver.net.Printable;

/**
 * MAIL FROM (RFC 5321 4.1.1.2): the path and parameters, the declared size (RFC 1870 6.1: over the limit
 * is 552 5.3.4 now, not after the upload), then the pluggable sender checks in order.
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
        if (args.parameters().declaredSize().isPresent()
                && args.parameters().declaredSize().getAsLong() > protocol.settings().maxMessageSize()) {
            log.info("reject MAIL from {}: {} {}", session.clientForLog(), Printable.forLog(args.path().toString()),
                    Replies.SIZE_EXCEEDS_LIMIT.summary());
            return Outcome.reply(Replies.SIZE_EXCEEDS_LIMIT);
        }
        for (SenderCheck check : protocol.context().senderChecks()) {
            PolicyResult result = check.check(session, args.path(), args.parameters());
            SmtpReply refusal = result.refusal();
            if (refusal != null) {
                log.info("reject MAIL from {}: {} {}", session.clientForLog(), Printable.forLog(args.path().toString()), refusal.summary());
                return result instanceof PolicyResult.Disconnect ? Outcome.replyAndClose(refusal) : Outcome.reply(refusal);
            }
        }
        protocol.transaction().start(args.path(), args.parameters());
        return Outcome.reply(Replies.SENDER_OK);
    }
}
