package io.mailserver.pop3;

/**
 * {@code STAT} (RFC 1939 section 5): {@code +OK nn mm}, the number of messages not marked deleted and
 * their size in octets, with nothing after it (clients parse this line).
 */
final class StatCommand implements Pop3Command {
    @Override
    public Pop3Reply execute(Pop3Session session, CommandLine line) {
        if (!line.argumentText().isBlank()) {
            return Pop3Reply.error("Syntax: STAT");
        }
        MaildropSnapshot m = session.maildrop();
        return Pop3Reply.ok(m.liveCount() + " " + m.liveSize());
    }
}
