package io.mailserver.pop3;

/** {@code NOOP} (RFC 1939 section 5). */
final class NoopCommand implements Pop3Command {
    @Override
    public Pop3Reply execute(Pop3Session session, CommandLine line) {
        if (!line.argumentText().isBlank()) {
            return Pop3Reply.error("Syntax: NOOP");
        }
        return Pop3Reply.ok("");
    }
}
