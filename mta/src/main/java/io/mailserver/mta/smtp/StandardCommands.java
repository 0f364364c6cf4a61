package io.mailserver.mta.smtp;

import java.util.List;

/** Registers the handlers of the commands this issue implements; STARTTLS and AUTH come from the TLS layer. */
final class StandardCommands {
    private StandardCommands() {
    }

    static void registerAll(SmtpContext context) {
        context.register(Verb.HELO, new HeloCommand(false));
        context.register(Verb.EHLO, new HeloCommand(true));
        context.register(Verb.MAIL, new MailCommand());
        context.register(Verb.RCPT, new RcptCommand());
        context.register(Verb.DATA, new DataCommand());
        context.register(Verb.RSET, StandardCommands::rset);
        context.register(Verb.NOOP, (p, arg) -> Outcome.reply(Replies.OK)); // RFC 5321 4.1.1.9: any argument is ignored
        context.register(Verb.QUIT, StandardCommands::quit);
        context.register(Verb.VRFY, (p, arg) -> Outcome.reply(p.context().verify().vrfy(arg, p.session())));
        context.register(Verb.EXPN, (p, arg) -> Outcome.reply(p.context().verify().expn(arg, p.session())));
        context.register(Verb.HELP, StandardCommands::help);
    }

    /** RFC 5321 4.1.1.5. */
    private static Outcome rset(SmtpProtocol p, String arg) {
        if (!arg.isEmpty()) {
            return Outcome.reply(Replies.syntax("RSET"));
        }
        p.resetTransaction();
        return Outcome.reply(Replies.OK);
    }

    /** RFC 5321 4.1.1.10: 221, then the server closes. */
    private static Outcome quit(SmtpProtocol p, String arg) {
        if (!arg.isEmpty()) {
            return Outcome.reply(Replies.syntax("QUIT"));
        }
        return Outcome.replyAndClose(Replies.bye(p.settings().hostname()));
    }

    /** RFC 5321 4.1.1.8. */
    private static Outcome help(SmtpProtocol p, String arg) {
        return Outcome.reply(Replies.help(List.of(
                "Commands: HELO EHLO MAIL RCPT DATA RSET NOOP QUIT VRFY EXPN HELP",
                "See RFC 5321; postmaster: postmaster@<your domain>")));
    }
}
