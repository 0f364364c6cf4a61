package io.mailserver.pop3;

import java.util.List;

/**
 * {@code TOP msg n} (RFC 1939 section 7): the header section, the blank line after it and the first
 * {@code n} lines of the body, byte-stuffed. {@code n} may be 0; a huge {@code n} means the whole body.
 */
final class TopCommand implements Pop3Command {
    @Override
    public Pop3Reply execute(Pop3Session session, CommandLine line) {
        List<String> args = line.arguments();
        if (args == null || args.size() != 2) {
            return Pop3Reply.error("Syntax: TOP <message number> <lines>");
        }
        Integer n = Arguments.messageNumber(args.get(0));
        if (n == null) {
            return Pop3Reply.error("Invalid message number");
        }
        Long lines = Arguments.nonNegative(args.get(1));
        if (lines == null) {
            return Pop3Reply.error("Invalid number of lines");
        }
        Pop3Reply refused = session.checkMessage(n);
        if (refused != null) {
            return refused;
        }
        return session.openMessage(n, lines, "Top of message follows");
    }
}
