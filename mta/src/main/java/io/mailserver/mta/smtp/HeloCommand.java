package io.mailserver.mta.smtp;

import java.util.ArrayList;
import java.util.List;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.mailserver.mta.smtp.check.CheckResult;
import io.mailserver.store.MailAddress;

/**
 * HELO and EHLO (RFC 5321 4.1.1.1): record the client's name, start a fresh transaction, and for EHLO
 * list the extensions: PIPELINING (RFC 2920), SIZE (RFC 1870), 8BITMIME (RFC 6152),
 * ENHANCEDSTATUSCODES (RFC 2034), HELP, plus whatever the TLS layer adds.
 */
final class HeloCommand implements CommandHandler {
    private static final Logger log = LoggerFactory.getLogger(HeloCommand.class);
    private final boolean extended;

    HeloCommand(boolean extended) {
        this.extended = extended;
    }

    @Override
    public Outcome handle(SmtpProtocol protocol, String argument) {
        if (argument.isEmpty()) {
            return Outcome.reply(Replies.syntax(extended ? "EHLO hostname" : "HELO hostname"));
        }
        if (!isDomainOrLiteral(argument)) {
            return Outcome.reply(Replies.INVALID_DOMAIN);
        }
        SmtpSession session = protocol.session();
        session.greeted(argument, extended);
        protocol.resetTransaction();
        CheckResult result = protocol.context().checks().atHelo(session);
        if (!result.accepted()) {
            log.info("reject {} from {}: {}", extended ? "EHLO" : "HELO", session.clientForLog(), result.reply().summary());
            session.forgetGreeting(); // not greeted: MAIL stays out of order until a HELO is accepted
            return Outcome.refusal(result);
        }
        String host = protocol.settings().hostname();
        if (!extended) {
            return Outcome.reply(Replies.helo(host));
        }
        List<String> lines = new ArrayList<>();
        lines.add(host + " greets " + argument);
        lines.add("PIPELINING");
        lines.add("SIZE " + protocol.settings().maxMessageSize());
        lines.add("8BITMIME");
        lines.add("ENHANCEDSTATUSCODES");
        lines.addAll(protocol.context().extraEhloKeywords(session));
        lines.add("HELP");
        // RFC 2034 section 3: no enhanced status code in the reply to EHLO
        return Outcome.reply(SmtpReply.multi(250, null, lines));
    }

    /**
     * RFC 5321 4.1.1.1: {@code Domain / address-literal}. One tolerance: '_' in labels, which Windows
     * machine names carry and which harms nothing here (Postfix accepts any name).
     */
    static boolean isDomainOrLiteral(String name) {
        if (name.startsWith("[")) {
            if (name.length() > 64) {
                return false; // longer than any IPv4 or IPv6 literal
            }
            try {
                MailAddress.checkDomainOrLiteral(name);
                return true;
            } catch (IllegalArgumentException e) {
                return false;
            }
        }
        String d = name.endsWith(".") ? name.substring(0, name.length() - 1) : name;
        return d.length() <= 253 && d.matches("(?i)[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?(\\.[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)*");
    }
}
