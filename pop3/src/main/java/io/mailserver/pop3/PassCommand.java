package io.mailserver.pop3;

import io.mailserver.session.Sasl;

/**
 * {@code PASS string} (RFC 1939 section 7). The password is the rest of the line, spaces included, as
 * the RFC allows ("a POP3 server may treat spaces in the argument as part of the password"), decoded as
 * UTF-8. It never reaches a log and its bytes are wiped after use.
 */
final class PassCommand implements Pop3Command {
    @Override
    public Pop3Reply execute(Pop3Session session, CommandLine line) {
        try {
            String user = session.takePendingUser();
            if (user == null) {
                return Pop3Reply.error("Send USER first");
            }
            if (line.rawArgument().length == 0) {
                return Pop3Reply.error("Syntax: PASS <password>");
            }
            char[] password = Sasl.utf8(line.rawArgument(), 0, line.rawArgument().length);
            return session.login(user, password, null);
        } finally {
            line.wipe();
        }
    }
}
