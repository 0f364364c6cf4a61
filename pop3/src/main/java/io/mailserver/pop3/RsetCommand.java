package io.mailserver.pop3;

/** {@code RSET} (RFC 1939 section 5): unmarks every message marked deleted in this session. */
final class RsetCommand implements Pop3Command {
    @Override
    public Pop3Reply execute(Pop3Session session, CommandLine line) {
        if (!line.argumentText().isBlank()) {
            return Pop3Reply.error("Syntax: RSET");
        }
        MaildropSnapshot m = session.maildrop();
        m.unmarkAll();
        return Pop3Reply.ok("Maildrop has " + Pop3Reply.messages(m.liveCount()) + " (" + m.liveSize() + " octets)");
    }
}
