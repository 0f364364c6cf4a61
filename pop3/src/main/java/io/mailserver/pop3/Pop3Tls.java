package io.mailserver.pop3;

import java.util.EnumSet;
import java.util.function.Predicate;

/**
 * TLS rules for a POP3 command table (RFC 2595, RFC 8314): STLS while the connection is plaintext, and logins
 * (USER/PASS, AUTH) only once it is encrypted unless {@code tls.allow-plaintext-auth} says otherwise. CAPA follows
 * suit: STLS before TLS; USER and {@code SASL PLAIN} only where a login would be accepted (RFC 2595 4 and 6: a
 * client must not be invited to send its password in clear).
 */
public final class Pop3Tls {
    /** Dovecot's wording; RFC 3206's [AUTH] tells clients that the login, not the server, is the problem. */
    static final String PLAINTEXT_REFUSED = "Plaintext authentication disallowed on non-secure connections; use STLS or port 995";

    private Pop3Tls() {
    }

    /**
     * @param tlsAvailable       whether STLS can be offered (a certificate is loaded)
     * @param allowPlaintextAuth {@code tls.allow-plaintext-auth}
     */
    public static CommandTable secure(CommandTable table, boolean tlsAvailable, boolean allowPlaintextAuth) {
        Predicate<Pop3Session> mayLogIn = s -> allowPlaintextAuth || s.tlsActive();
        CommandTable t = table;
        if (!allowPlaintextAuth) {
            for (String verb : new String[] { "USER", "PASS", "AUTH" }) {
                CommandTable.Entry entry = t.find(verb).orElseThrow();
                t = t.with(verb, entry.states(), requireTls(entry.command()));
            }
        }
        t = t.withCapabilityShownWhen("USER", mayLogIn).withCapabilityShownWhen("SASL PLAIN", mayLogIn);
        if (tlsAvailable) {
            t = t.with("STLS", EnumSet.of(Pop3State.AUTHORIZATION), new StlsCommand())
                    .withCapability(new CommandTable.Capability("STLS", s -> !s.tlsActive()));
        }
        return t;
    }

    private static Pop3Command requireTls(Pop3Command command) {
        return (session, line) -> {
            if (!session.tlsActive()) {
                line.wipe();
                return Pop3Reply.failure(ResponseCode.AUTH, PLAINTEXT_REFUSED);
            }
            return command.execute(session, line);
        };
    }
}
