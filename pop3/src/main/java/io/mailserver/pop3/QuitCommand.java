package io.mailserver.pop3;

/**
 * {@code QUIT} (RFC 1939 sections 4 and 6): before login it just signs off; after login it enters the
 * UPDATE state, where the marked messages are removed in one store transaction.
 */
final class QuitCommand implements Pop3Command {
    @Override
    public Pop3Reply execute(Pop3Session session, CommandLine line) {
        return session.quit();
    }
}
