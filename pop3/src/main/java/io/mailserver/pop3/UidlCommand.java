package io.mailserver.pop3;

import java.util.ArrayList;
import java.util.List;

/** {@code UIDL [msg]} (RFC 1939 section 7): unique ids that stay the same in every session (see {@link Uidl}). */
final class UidlCommand implements Pop3Command {
    @Override
    public Pop3Reply execute(Pop3Session session, CommandLine line) {
        List<String> args = line.arguments();
        if (args == null || args.size() > 1) {
            return Pop3Reply.error("Syntax: UIDL [message number]");
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
            return Pop3Reply.ok(n + " " + Uidl.of(m.uid(n)));
        }
        List<String> lines = new ArrayList<>(m.liveCount());
        for (int n = 1; n <= m.count(); n++) {
            if (!m.isDeleted(n)) {
                lines.add(n + " " + Uidl.of(m.uid(n)));
            }
        }
        return Pop3Reply.okMultiLine("", lines);
    }
}
