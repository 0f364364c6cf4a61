package io.mailserver.pop3;

import java.util.ArrayList;
import java.util.List;

/**
 * {@code LIST [msg]} (RFC 1939 section 5): the exact size of one message, or a scan listing of every
 * message not marked deleted. Sizes are what RETR sends before byte-stuffing.
 */
final class ListCommand implements Pop3Command {
    @Override
    public Pop3Reply execute(Pop3Session session, CommandLine line) {
        List<String> args = line.arguments();
        if (args == null || args.size() > 1) {
            return Pop3Reply.error("Syntax: LIST [message number]");
        }
        MaildropSnapshot m = session.maildrop();
        if (args.size() == 1) {
            Integer n = Arguments.messageNumber(args.get(0));
            if (n == null) {
                return Pop3Reply.error("Invalid message number");
            }
            Pop3Reply refused = session.checkMessage(n);
            if (refused != null) {
                return refused;
            }
            return Pop3Reply.ok(n + " " + m.size(n));
        }
        List<String> lines = new ArrayList<>(m.liveCount());
        for (int n = 1; n <= m.count(); n++) {
            if (!m.isDeleted(n)) {
                lines.add(n + " " + m.size(n));
            }
        }
        return Pop3Reply.okMultiLine(Pop3Reply.messages(m.liveCount()) + " (" + m.liveSize() + " octets)", lines);
    }
}
