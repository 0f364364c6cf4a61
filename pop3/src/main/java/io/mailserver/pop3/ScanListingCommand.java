package io.mailserver.pop3;

import java.util.ArrayList;
import java.util.List;

/**
 * LIST and UIDL share their shape (RFC 1939 sections 5 and 7): with an argument, one line for that
 * message; without, a multi-line listing of every message not marked deleted.
 */
abstract class ScanListingCommand implements Pop3Command {
    private final String syntax;

    ScanListingCommand(String syntax) {
        this.syntax = syntax;
    }

    /** What follows the message number on its line. */
    abstract String entry(MaildropSnapshot maildrop, int n);

    /** The text after {@code +OK} of the multi-line listing. */
    abstract String listingHeader(MaildropSnapshot maildrop);

    @Override
    public Pop3Reply execute(Pop3Session session, CommandLine line) {
        List<String> args = line.arguments();
        if (args == null || args.size() > 1) {
            return Pop3Reply.error(syntax);
        }
        MaildropSnapshot m = session.maildrop();
        if (args.size() == 1) {
            MessageTarget t = MessageTarget.of(session, args.get(0));
            return t.refused() ? t.refusal() : Pop3Reply.ok(t.number() + " " + entry(m, t.number()));
        }
        List<String> lines = new ArrayList<>(m.liveCount());
        for (int n = 1; n <= m.count(); n++) {
            if (!m.isDeleted(n)) {
                lines.add(n + " " + entry(m, n));
            }
        }
        return Pop3Reply.okMultiLine(listingHeader(m), lines);
    }
}
