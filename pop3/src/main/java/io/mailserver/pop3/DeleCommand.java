package io.mailserver.pop3;

import java.util.List;

/**
 * {@code DELE msg} (RFC 1939 section 5): marks the message; nothing leaves the store before QUIT, and
 * a dropped connection deletes nothing (docs/design.md, contract 3).
 */
final class DeleCommand implements Pop3Command {
    @Override
    public Pop3Reply execute(Pop3Session session, CommandLine line) {
        List<String> args = line.arguments();
        if (args == null || args.size() != 1) {
            return Pop3Reply.error("Syntax: DELE <message number>");
        }
        MessageTarget target = MessageTarget.of(session, args.get(0));
        if (target.refused()) {
            return target.refusal();
        }
        int n = target.number();
        session.maildrop().markDeleted(n);
        return Pop3Reply.ok("Message " + n + " deleted");
    }
}
