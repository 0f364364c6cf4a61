package io.mailserver.pop3;

import java.util.EnumSet;
import java.util.OptionalInt;
import java.util.function.Predicate;
import java.util.function.Supplier;

import io.mailserver.config.PlaintextAuth;

/**
 * TLS rules for a POP3 command table (RFC 2595, RFC 8314): STLS while the connection is plaintext, and logins
 * (USER/PASS, AUTH) only once it is encrypted, or before that where {@code pop3.plaintext-auth} allows the client
 * (always, or from loopback only). CAPA follows suit: STLS before TLS; USER and {@code SASL PLAIN} only where a login
 * would be accepted (RFC 2595 4 and 6: a client must not be invited to send its password in clear).
 */
public final class Pop3Tls {
    /** Dovecot's wording; RFC 3206's [AUTH] tells clients that the login, not the server, is the problem. */
    static final String PLAINTEXT_REFUSED = "Plaintext authentication disallowed on non-secure connections";

    private Pop3Tls() {
    }

    /**
     * @param tlsAvailable  whether STLS can be offered (a certificate is loaded)
     * @param plaintextAuth {@code pop3.plaintext-auth}: who may log in before TLS
     * @param pop3sPort     the port of the POP3S listener, or empty when there is none; asked when a login is refused,
     *                      so the refusal names the port the client can really use
     */
    public static CommandTable secure(CommandTable table, boolean tlsAvailable, PlaintextAuth plaintextAuth,
                                      Supplier<OptionalInt> pop3sPort) {
        Predicate<Pop3Session> mayLogIn = s -> s.tlsActive() || plaintextAuth.permits(s.remote());
        CommandTable t = table;
        if (plaintextAuth != PlaintextAuth.ALWAYS) {
            for (String verb : new String[] { "USER", "PASS", "AUTH" }) {
                CommandTable.Entry entry = t.find(verb).orElseThrow();
                t = t.with(verb, entry.states(), loginOnlyWhen(mayLogIn, entry.command(), () -> refusal(tlsAvailable, pop3sPort.get())));
            }
        }
        t = t.withCapabilityShownWhen("USER", mayLogIn).withCapabilityShownWhen("SASL PLAIN", mayLogIn);
        if (tlsAvailable) {
            t = t.with("STLS", EnumSet.of(Pop3State.AUTHORIZATION), new StlsCommand())
                    .withCapability(new CommandTable.Capability("STLS", s -> !s.tlsActive()));
        }
        return t;
    }

    /** The text of the {@code -ERR [AUTH]} a login before TLS gets: where the client can log in instead. */
    static String refusal(boolean tlsAvailable, OptionalInt pop3sPort) {
        if (!tlsAvailable) {
            return PLAINTEXT_REFUSED + "; this server has no TLS certificate";
        }
        return PLAINTEXT_REFUSED + (pop3sPort.isPresent()
                ? "; use STLS or POP3S on port " + pop3sPort.getAsInt()
                : "; use STLS (this server has no POP3S listener)");
    }

    private static Pop3Command loginOnlyWhen(Predicate<Pop3Session> mayLogIn, Pop3Command command, Supplier<String> refusal) {
        return (session, line) -> {
            if (!mayLogIn.test(session)) {
                line.wipe();
                return Pop3Reply.failure(ResponseCode.AUTH, refusal.get());
            }
            return command.execute(session, line);
        };
    }
}
