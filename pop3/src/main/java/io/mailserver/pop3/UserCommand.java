package io.mailserver.pop3;

import java.nio.charset.StandardCharsets;

/**
 * {@code USER name} (RFC 1939 section 7). Always {@code +OK}: telling whether the name exists would let
 * anyone probe for mailboxes; the answer comes, identical for both cases, after PASS. The name is read as UTF-8,
 * like the password and the SASL PLAIN identity, so that it reads (and is escaped, see {@code Printable}) the same
 * way in the log whichever command carried it.
 */
final class UserCommand implements Pop3Command {
    @Override
    public Pop3Reply execute(Pop3Session session, CommandLine line) {
        String name = new String(line.rawArgument(), StandardCharsets.UTF_8).strip();
        if (name.isEmpty()) {
            return Pop3Reply.error("Syntax: USER <name>");
        }
        if (name.length() > 320 || name.chars().anyMatch(c -> c < 0x21 || c == 0x7f)) {
            return Pop3Reply.error("Invalid user name");
        }
        session.setPendingUser(name);
        return Pop3Reply.ok("Send your password");
    }
}
