package io.mailserver.pop3;

/**
 * {@code APOP} (RFC 1939 section 7) is not offered: it proves knowledge of the password with an MD5
 * digest of the greeting's timestamp and the cleartext password, so the server would have to keep every
 * password in clear. The store keeps only salted slow hashes (docs/design.md, contract 7), and the greeting
 * carries no timestamp. Clients use USER/PASS or AUTH PLAIN instead (under TLS in production).
 */
final class ApopCommand implements Pop3Command {
    @Override
    public Pop3Reply execute(Pop3Session session, CommandLine line) {
        line.wipe();
        return Pop3Reply.error("APOP not supported; use USER/PASS or AUTH PLAIN");
    }
}
