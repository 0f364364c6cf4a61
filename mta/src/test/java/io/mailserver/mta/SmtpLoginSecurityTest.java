package io.mailserver.mta;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.LoggerFactory;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;

/**
 * Logins over real sockets: plaintext AUTH per listener ({@code smtp.plaintext-auth}, {@code submission.plaintext-auth}),
 * the per-address failed-login limit under parallel guessing, and client text in the log.
 */
@Timeout(60)
class SmtpLoginSecurityTest {
    static final String AUTH_OK = "235 2.7.0 Authentication successful\r\n";
    static final String AUTH_FAILED = "535 5.7.8 Authentication credentials invalid\r\n";
    static final String TOO_MANY = "454 4.7.0 Too many failed authentications from your address; try again later\r\n";
    static final String TLS_FIRST = "530 5.7.0 Must issue a STARTTLS command first\r\n";

    static String plain(String user, String password) {
        return "AUTH PLAIN " + Base64.getEncoder().encodeToString(("\0" + user + "\0" + password).getBytes(StandardCharsets.UTF_8));
    }

    /** EHLO on a fresh connection; returns its reply (the greeting is read first). */
    static String ehlo(RawSmtp c) {
        assertTrue(c.reply().startsWith("220 "));
        return c.cmd("EHLO client.test");
    }

    @Test
    void eachPlainListenerHasItsOwnPolicy() {
        try (SmtpTestServer server = SmtpTestServer.startSecure(Map.of("smtp.plaintext-auth", "never", "submission.plaintext-auth", "loopback"))) {
            try (RawSmtp mx = server.connect()) {
                String offer = ehlo(mx);
                assertTrue(offer.contains("250-STARTTLS\r\n"), offer);
                assertFalse(offer.contains("AUTH"), "never: not offered even to loopback: " + offer);
                assertEquals(TLS_FIRST, mx.cmd(plain("alice@example.test", "pw")));
            }
            try (RawSmtp submission = RawSmtp.connect(server.service.submissionPort())) {
                assertTrue(ehlo(submission).contains("250-AUTH PLAIN LOGIN\r\n"), "loopback: offered to 127.0.0.1");
                assertEquals(AUTH_OK, submission.cmd(plain("alice@example.test", "pw")));
            }
        }
        try (SmtpTestServer server = SmtpTestServer.startSecure(Map.of("smtp.plaintext-auth", "always"))) {
            try (RawSmtp mx = server.connect()) {
                assertTrue(ehlo(mx).contains("250-AUTH PLAIN LOGIN\r\n"));
                assertEquals(AUTH_OK, mx.cmd(plain("alice@example.test", "pw")));
            }
            try (RawSmtp submission = RawSmtp.connect(server.service.submissionPort())) {
                assertFalse(ehlo(submission).contains("AUTH"), "the default for submission is never");
                assertEquals(TLS_FIRST, submission.cmd(plain("alice@example.test", "pw")));
                assertEquals("530 5.7.0 Authentication required\r\n", submission.cmd("MAIL FROM:<alice@example.test>"));
            }
        }
    }

    /**
     * RFC 4616 2 ({@code passwd = 1*SAFE}): an empty password is never right, even for an account whose stored password
     * is empty; SMTP answers it as POP3 does (Pop3LoginSecuritySocketTest), through their one Login.
     */
    @Test
    void anEmptyPasswordNeverLogsIn() {
        try (SmtpTestServer server = SmtpTestServer.startSecure(Map.of("smtp.plaintext-auth", "always"))) {
            server.temp.addUser("blank@example.test", "");
            try (RawSmtp mx = server.connect()) {
                ehlo(mx);
                assertEquals(AUTH_FAILED, mx.cmd(plain("blank@example.test", "")));
                assertEquals("334 VXNlcm5hbWU6\r\n", mx.cmd("AUTH LOGIN"));
                assertEquals("334 UGFzc3dvcmQ6\r\n", mx.cmd(Base64.getEncoder().encodeToString("blank@example.test".getBytes(StandardCharsets.UTF_8))));
                assertEquals(AUTH_FAILED, mx.cmd(""));
                assertEquals(AUTH_OK, mx.cmd(plain("alice@example.test", "pw")), "the session is still usable");
            }
        }
    }

    /**
     * 20 connections from one address send a wrong password at the same moment. The limit is taken before the
     * password check, so {@code limits.auth-failures} (5) of them get a check (535) and 15 are refused unchecked
     * (454); counted after the check, all 20 would slip under it. The production password hasher makes the check as
     * slow as it really is, which is what leaves room for the race.
     */
    @Test
    void parallelGuessesFromOneAddressGetNoMoreChecksThanTheLimit() throws Exception {
        int connections = 20;
        try (SmtpTestServer server = SmtpTestServer.startSecure(Map.of("smtp.plaintext-auth", "always", "limits.auth-failures", "5",
                "test.real-hashing", "true"))) {
            List<RawSmtp> clients = new ArrayList<>();
            ExecutorService pool = Executors.newFixedThreadPool(connections);
            try {
                for (int i = 0; i < connections; i++) {
                    RawSmtp c = server.connect();
                    clients.add(c);
                    assertTrue(ehlo(c).contains("AUTH"));
                }
                CyclicBarrier together = new CyclicBarrier(connections);
                List<Future<String>> replies = new ArrayList<>();
                for (RawSmtp c : clients) {
                    replies.add(pool.submit(() -> {
                        together.await();
                        return c.cmd(plain("alice@example.test", "guess"));
                    }));
                }
                int checked = 0;
                int refused = 0;
                for (Future<String> r : replies) {
                    String reply = r.get();
                    if (reply.equals(AUTH_FAILED)) {
                        checked++;
                    } else if (reply.equals(TOO_MANY)) {
                        refused++;
                    } else {
                        throw new AssertionError("unexpected reply: " + reply);
                    }
                }
                assertEquals(5, checked, "password checks; refused unchecked: " + refused);
                assertEquals(connections - 5, refused);
            } finally {
                pool.shutdownNow();
                clients.forEach(RawSmtp::close);
            }
            try (RawSmtp c = server.connect()) {
                ehlo(c);
                assertEquals(TOO_MANY, c.cmd(plain("alice@example.test", "pw")), "even the right password, for now");
            }
        }
    }

    /** An AUTH identity with characters that end or reorder a log line reaches the log escaped. */
    @Test
    void lineBreakingCharactersInAnAuthIdentityAreEscapedInTheLog() {
        ListAppender<ILoggingEvent> appender = new ListAppender<>();
        appender.start();
        Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        root.addAppender(appender);
        String forged = "x\u2028AUTH PLAIN ok: user=admin@example.test\u0085\u202e\u0090\u2029\r\n\u001b[2J";
        String escaped = "user=x\\u2028AUTH PLAIN ok: user=admin@example.test\\x85\\u202e\\x90\\u2029\\x0d\\x0a\\x1b[2J from client.test[127.0.0.1]";
        try (SmtpTestServer server = SmtpTestServer.startSecure(Map.of("smtp.plaintext-auth", "always"))) {
            try (RawSmtp c = server.connect()) {
                ehlo(c);
                assertEquals(AUTH_FAILED, c.cmd(plain(forged, "guess")));
                assertEquals("334 VXNlcm5hbWU6\r\n", c.cmd("AUTH LOGIN"));
                assertEquals("334 UGFzc3dvcmQ6\r\n", c.cmd(Base64.getEncoder().encodeToString(forged.getBytes(StandardCharsets.UTF_8))));
                assertEquals(AUTH_FAILED, c.cmd(Base64.getEncoder().encodeToString("guess".getBytes(StandardCharsets.UTF_8))));
            }
        } finally {
            root.detachAppender(appender);
        }
        List<String> failed = appender.list.stream().map(ILoggingEvent::getFormattedMessage).filter(m -> m.startsWith("AUTH ")
                && m.contains(" failed: ")).toList();
        assertEquals(2, failed.size(), "PLAIN and LOGIN: " + failed);
        for (String line : failed) {
            assertTrue(line.contains(escaped), line);
        }
        for (ILoggingEvent e : appender.list) {
            String m = e.getFormattedMessage();
            assertTrue(m.chars().noneMatch(ch -> (ch < 0x20 && ch != '\t') || (ch >= 0x7f && ch <= 0x9f) || ch == 0x2028 || ch == 0x2029
                    || ch == 0x202e), "raw control or separator in: " + m);
        }
    }
}
