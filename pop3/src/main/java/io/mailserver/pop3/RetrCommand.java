package io.mailserver.pop3;

import java.util.List;

/** {@code RETR msg} (RFC 1939 section 5): the whole message, byte-stuffed, streamed from the store. */
final class RetrCommand implements Pop3Command {
    @Override
    public Pop3Reply execute(Pop3Session session, CommandLine line) {
        List<String> args = line.arguments();
        if (args == null || args.size() != 1) {
            return Pop3Reply.error("Syntax: RETR <message number>");
        }
        MessageTarget target = MessageTarget.of(session, args.get(0));
        if (target.refused()) {
            return target.refusal();
        }
        int n = target.number();
        return session.openMessage(n, -1, session.maildrop().size(n) + " octets");
    }
}
