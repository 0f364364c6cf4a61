package io.mailserver.pop3;

/** {@code CAPA} (RFC 2449 section 5): the capability list, one per line, valid before and after login. */
final class CapaCommand implements Pop3Command {
    @Override
    public Pop3Reply execute(Pop3Session session, CommandLine line) {
        if (!line.argumentText().isBlank()) {
            return Pop3Reply.error("Syntax: CAPA");
        }
        return Pop3Reply.okMultiLine("Capability list follows", session.capabilities());
    }
}
