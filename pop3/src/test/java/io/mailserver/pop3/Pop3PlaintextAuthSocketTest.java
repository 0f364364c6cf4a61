package io.mailserver.pop3;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code pop3.plaintext-auth} over real sockets, from 127.0.0.1: never (the default), loopback, always; what CAPA
 * offers before STLS, whether USER/PASS and AUTH PLAIN work, and where the refusal sends the client. A client that is
 * not on loopback cannot be made from a test that stays on loopback: {@code Pop3SessionTest} and the config tests
 * cover that side of the rule.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class Pop3PlaintextAuthSocketTest {
    private static final String PLAIN_IR = Base64.getEncoder().encodeToString("\0alice@example.test\0pw".getBytes(StandardCharsets.UTF_8));

    private static List<String> capa(Pop3TestClient c) {
        return c.multi("CAPA");
    }

    @Test
    void neverRefusesLoginBeforeStlsEvenOnLoopbackAndNamesThePop3sPort() {
        try (Pop3Fixture f = Pop3Fixture.startSecure(Map.of("pop3.plaintext-auth", "never"))) {
            f.addUser("alice@example.test", "pw");
            try (Pop3TestClient c = f.connect()) {
                List<String> caps = capa(c);
                assertTrue(caps.contains("STLS"), caps.toString());
                assertFalse(caps.contains("USER") || caps.contains("SASL PLAIN"), "no invitation to send a password in clear: " + caps);
                String refused = "-ERR [AUTH] Plaintext authentication disallowed on non-secure connections; use STLS or POP3S on port "
                        + f.pop3.tlsPort();
                assertFalse(f.pop3.tlsPort() == 995, "the real port, not a fixed 995");
                assertEquals(refused, c.cmd("USER alice@example.test"));
                assertEquals(refused, c.cmd("PASS pw"));
                assertEquals(refused, c.cmd("AUTH PLAIN " + PLAIN_IR));
                assertEquals("-ERR Not logged in", c.cmd("STAT"));
            }
        }
    }

    @Test
    void withoutAPop3sListenerTheRefusalSaysSo() {
        try (Pop3Fixture f = Pop3Fixture.startSecure(Map.of("pop3s.listen", ""))) {
            try (Pop3TestClient c = f.connect()) {
                assertEquals("-ERR [AUTH] Plaintext authentication disallowed on non-secure connections; use STLS (this server has no "
                        + "POP3S listener)", c.cmd("USER alice@example.test"));
            }
        }
        try (Pop3Fixture f = Pop3Fixture.start(Map.of("pop3.plaintext-auth", "never"), s -> s)) {
            try (Pop3TestClient c = f.connect()) {
                assertFalse(capa(c).contains("STLS"));
                assertEquals("-ERR [AUTH] Plaintext authentication disallowed on non-secure connections; this server has no TLS certificate",
                        c.cmd("USER alice@example.test"));
            }
        }
    }

    @Test
    void loopbackAndAlwaysLetALoopbackClientLogInWithoutTls() {
        for (String policy : List.of("loopback", "always")) {
            try (Pop3Fixture f = Pop3Fixture.startSecure(Map.of("pop3.plaintext-auth", policy))) {
                f.addUser("alice@example.test", "pw");
                try (Pop3TestClient c = f.connect()) {
                    List<String> caps = capa(c);
                    assertTrue(caps.contains("USER") && caps.contains("SASL PLAIN") && caps.contains("STLS"), policy + ": " + caps);
                    c.login("alice@example.test", "pw");
                    assertTrue(c.cmd("STAT").startsWith("+OK 0 0"), policy);
                    assertTrue(c.cmd("QUIT").startsWith("+OK"));
                }
                try (Pop3TestClient c = f.connect()) {
                    assertTrue(c.cmd("AUTH PLAIN " + PLAIN_IR).startsWith("+OK Logged in"), policy);
                }
            }
        }
    }

    /** The old single switch still works (existing configurations), and a listener's own key wins over it. */
    @Test
    void deprecatedSwitchStillWorksAndTheListenerKeyWins() {
        try (Pop3Fixture f = Pop3Fixture.startSecure(Map.of("tls.allow-plaintext-auth", "true"))) {
            f.addUser("alice@example.test", "pw");
            try (Pop3TestClient c = f.connect()) {
                c.login("alice@example.test", "pw");
            }
        }
        try (Pop3Fixture f = Pop3Fixture.startSecure(Map.of("tls.allow-plaintext-auth", "true", "pop3.plaintext-auth", "never"))) {
            try (Pop3TestClient c = f.connect()) {
                assertTrue(c.cmd("USER alice@example.test").startsWith("-ERR [AUTH] Plaintext authentication disallowed"));
            }
        }
    }
}
