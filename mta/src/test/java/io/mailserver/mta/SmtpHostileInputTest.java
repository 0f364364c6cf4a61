package io.mailserver.mta;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Limits and hostile input over real sockets: each gets its RFC reply, nothing half-stored, the server lives on. */
@Timeout(60)
class SmtpHostileInputTest {
    static final String[] FAKE_TERMINATORS = {"\n.\n", "\r.\n", "\n.\r\n", "\r\n.\n", "\r.\r", "\n.\r", "\r\n.\r", "\r.\r\n"};

    private static void startTransaction(RawSmtp c) {
        c.reply();
        c.cmd("EHLO client.test");
        assertEquals("250 2.1.0 Ok\r\n", c.cmd("MAIL FROM:<sender@far.test>"));
        assertEquals("250 2.1.5 Ok\r\n", c.cmd("RCPT TO:<alice@example.test>"));
        assertTrue(c.cmd("DATA").startsWith("354 "));
    }

    @Test
    void smugglingRejectMode() {
        try (SmtpTestServer server = SmtpTestServer.start()) {
            for (String fake : FAKE_TERMINATORS) {
                try (RawSmtp c = server.connect()) {
                    startTransaction(c);
                    c.write("Subject: one\r\n\r\nbody" + fake + "MAIL FROM:<ceo@example.test>\r\nRCPT TO:<bob@example.test>\r\nDATA\r\n"
                            + "Subject: smuggled\r\n\r\nevil\r\n.\r\n");
                    assertEquals("554 5.5.2 Error: bare <LF> or <CR> in message; lines end with <CR><LF>\r\n", c.reply(), visible(fake));
                    assertEquals("250 2.0.0 Ok\r\n", c.cmd("NOOP"), "exactly one reply: " + visible(fake));
                }
            }
            assertEquals(0, server.storedCount());
        }
    }

    @Test
    void smugglingNormalizeModeMakesOneMessage() {
        try (SmtpTestServer server = SmtpTestServer.start(Map.of("smtp.bare-newline", "normalize"))) {
            for (String fake : FAKE_TERMINATORS) {
                try (RawSmtp c = server.connect()) {
                    startTransaction(c);
                    c.write("Subject: one\r\n\r\nbody" + fake + "MAIL FROM:<ceo@example.test>\r\nRCPT TO:<bob@example.test>\r\nDATA\r\n"
                            + "Subject: smuggled\r\n\r\nevil\r\n.\r\n");
                    assertTrue(c.reply().startsWith("250 2.0.0 Ok: queued as "), visible(fake));
                    assertEquals("250 2.0.0 Ok\r\n", c.cmd("NOOP"), "exactly one reply: " + visible(fake));
                    String stored = new String(server.lastMessage(server.alice), StandardCharsets.ISO_8859_1);
                    assertTrue(stored.contains("\r\nMAIL FROM:<ceo@example.test>\r\nRCPT TO:<bob@example.test>\r\nDATA\r\n"), visible(fake));
                    assertFalse(stored.replace("\r\n", "").contains("\r") || stored.replace("\r\n", "").contains("\n"), "only CRLF stored");
                }
            }
            assertEquals(FAKE_TERMINATORS.length, server.maildrop(server.alice).size());
            assertEquals(0, server.maildrop(server.bob).size(), "the hidden second message never happened");
        }
    }

    @Test
    void controlBytesAndOverlongCommandLines() {
        try (SmtpTestServer server = SmtpTestServer.start(); RawSmtp c = server.connect()) {
            c.reply();
            assertEquals("500 5.5.2 Error: control characters in command\r\n", c.cmd("EHLO a\0b"));
            assertEquals("500 5.5.2 Error: control characters in command\r\n", c.cmd("NOOP \u0007"));
            assertEquals("500 5.5.2 Error: bare <LF> or <CR> received; commands end with <CR><LF>\r\n", c.write("NOOP\n").reply());
            assertEquals("500 5.5.2 Error: line too long\r\n", c.cmd("NOOP " + "x".repeat(2100)));
            assertEquals("500 5.5.2 Error: line too long\r\n", c.cmd("MAIL FROM:<" + "y".repeat(200_000) + "@far.test>"));
            assertEquals("250 2.0.0 Ok\r\n", c.cmd("NOOP"));
            byte[] eightBit = "EHLO caf\u00e9.test\r\n".getBytes(StandardCharsets.UTF_8);
            assertEquals("501 5.5.4 Error: invalid domain name\r\n", c.write(eightBit).reply());
        }
    }

    @Test
    void earlyTalkerIsRefused() {
        try (SmtpTestServer server = SmtpTestServer.start(Map.of("smtp.greet-pause", "1s")); RawSmtp c = server.connect()) {
            c.write("EHLO hasty.test\r\nMAIL FROM:<spam@far.test>\r\n");
            assertEquals("554 5.5.0 Error: SMTP protocol synchronization\r\n", c.readLine(), "no greeting for a client that talks first");
            assertNull(c.readLine());
        }
        try (SmtpTestServer server = SmtpTestServer.start(Map.of("smtp.greet-pause", "300ms")); RawSmtp c = server.connect()) {
            assertEquals("220 mx.example.test ESMTP ready\r\n", c.readLine(), "a patient client is greeted after the pause");
            assertTrue(c.cmd("EHLO patient.test").startsWith("250-"));
        }
    }

    @Test
    void clientVanishingMidDataLeavesNothing() throws Exception {
        try (SmtpTestServer server = SmtpTestServer.start()) {
            try (RawSmtp c = server.connect()) {
                startTransaction(c);
                c.write("Subject: cut short\r\n\r\n" + "line\r\n".repeat(10_000));
            }
            Thread.sleep(300);
            assertEquals(0, server.storedCount());
            try (RawSmtp c = server.connect()) {
                startTransaction(c);
                assertTrue(c.cmd(".").startsWith("250 "), "the server goes on");
            }
            assertEquals(1, server.storedCount());
        }
    }

    @Test
    void messageSizeLimits() {
        try (SmtpTestServer server = SmtpTestServer.start(Map.of("limits.message-size", "10K")); RawSmtp c = server.connect()) {
            c.reply();
            assertTrue(c.cmd("EHLO client.test").contains("250-SIZE 10240\r\n"));
            assertEquals("552 5.3.4 Message size exceeds fixed maximum message size\r\n", c.cmd("MAIL FROM:<s@far.test> SIZE=10241"));
            c.cmd("MAIL FROM:<s@far.test>");
            c.cmd("RCPT TO:<alice@example.test>");
            c.cmd("DATA");
            c.write(("z".repeat(78) + "\r\n").repeat(1000)); // 80 KB, read to the end
            assertEquals("552 5.3.4 Error: message too big for system\r\n", c.cmd("."));
            assertEquals("250 2.0.0 Ok\r\n", c.cmd("NOOP"));
            assertEquals(0, server.storedCount());
        }
    }

    @Test
    void recipientLimit() {
        try (SmtpTestServer server = SmtpTestServer.start(Map.of("limits.recipients", "2")); RawSmtp c = server.connect()) {
            c.reply();
            c.cmd("EHLO client.test");
            c.cmd("MAIL FROM:<s@far.test>");
            assertEquals("250 2.1.5 Ok\r\n", c.cmd("RCPT TO:<alice@example.test>"));
            assertEquals("250 2.1.5 Ok\r\n", c.cmd("RCPT TO:<bob@example.test>"));
            assertEquals("452 4.5.3 Error: too many recipients\r\n", c.cmd("RCPT TO:<team@example.test>"));
        }
    }

    @Test
    void loopAndContentRules() {
        try (SmtpTestServer server = SmtpTestServer.start(Map.of("content.reject-pattern", "(?i)viagra"))) {
            try (RawSmtp c = server.connect()) {
                startTransaction(c);
                c.write("Received: from a\r\n".repeat(51) + "Subject: loop\r\n\r\nbody\r\n");
                assertEquals("554 5.4.6 Error: too many Received headers, mail loop\r\n", c.cmd("."));
                c.cmd("MAIL FROM:<s@far.test>");
                c.cmd("RCPT TO:<alice@example.test>");
                c.cmd("DATA");
                c.write("Received: from a\r\n".repeat(50) + "Subject: long but fine\r\n\r\nbody\r\n");
                assertTrue(c.cmd(".").startsWith("250 "));
                c.cmd("MAIL FROM:<s@far.test>");
                c.cmd("RCPT TO:<alice@example.test>");
                c.cmd("DATA");
                c.write("Subject: offer\r\n\r\nCheap VIAGRA here\r\n");
                assertEquals("554 5.7.1 Error: message content rejected\r\n", c.cmd("."));
            }
            assertEquals(1, server.storedCount());
        }
    }

    /** Sessions are opened on different I/O threads, so which connection is the one too many is not fixed: count the answers. */
    @Test
    void connectionLimits() {
        try (SmtpTestServer server = SmtpTestServer.start(Map.of("limits.connections", "2"));
             RawSmtp a = server.connect(); RawSmtp b = server.connect(); RawSmtp c = server.connect()) {
            List<String> greetings = new ArrayList<>(List.of(a.readLine(), b.readLine(), c.readLine()));
            java.util.Collections.sort(greetings);
            assertEquals(List.of("220 mx.example.test ESMTP ready\r\n", "220 mx.example.test ESMTP ready\r\n",
                    "421 4.7.0 mx.example.test Error: too many connections, try again later\r\n"), greetings);
        }
        try (SmtpTestServer server = SmtpTestServer.start(Map.of("limits.connections-per-ip", "1", "network.trusted", "10.9.9.0/24"));
             RawSmtp a = server.connect(); RawSmtp b = server.connect()) {
            List<String> greetings = new ArrayList<>(List.of(a.readLine(), b.readLine()));
            java.util.Collections.sort(greetings);
            assertEquals(List.of("220 mx.example.test ESMTP ready\r\n",
                    "421 4.7.0 mx.example.test Error: too many connections from your address, try again later\r\n"), greetings);
        }
        try (SmtpTestServer server = SmtpTestServer.start(Map.of("limits.connections-per-ip", "1"));
             RawSmtp a = server.connect(); RawSmtp b = server.connect()) {
            assertTrue(a.readLine().startsWith("220 "));
            assertTrue(b.readLine().startsWith("220 "), "trusted networks are exempt from the per-address limit");
        }
    }

    @Test
    void idleTimeouts() {
        try (SmtpTestServer server = SmtpTestServer.start(Map.of("smtp.timeout", "1s", "smtp.data-timeout", "2s"))) {
            try (RawSmtp c = server.connect()) {
                c.reply();
                long t0 = System.nanoTime();
                assertEquals("421 4.4.2 mx.example.test Error: timeout exceeded\r\n", c.readLine());
                assertNull(c.readLine());
                assertTrue(System.nanoTime() - t0 < 5_000_000_000L);
            }
            try (RawSmtp c = server.connect()) {
                startTransaction(c);
                c.write("Subject: stalled\r\n");
                assertEquals("421 4.4.2 mx.example.test Error: timeout exceeded\r\n", c.readLine());
            }
            assertEquals(0, server.storedCount());
        }
    }

    @Test
    void tooManyErrors() {
        try (SmtpTestServer server = SmtpTestServer.start(Map.of("limits.errors", "3")); RawSmtp c = server.connect()) {
            c.reply();
            assertEquals("500 5.5.2 Error: command not recognized\r\n", c.cmd("ONE"));
            assertEquals("500 5.5.2 Error: command not recognized\r\n", c.cmd("TWO"));
            assertEquals("500 5.5.2 Error: command not recognized\r\n421 4.7.0 mx.example.test Error: too many errors\r\n",
                    c.cmd("THREE") + c.reply());
            assertNull(c.readLine());
        }
    }

    @Test
    void errorTarpitSlowsRepliesPastHalfTheLimit() {
        try (SmtpTestServer server = SmtpTestServer.start(Map.of("limits.errors", "4", "test.error-delay", "PT0.4S"));
             RawSmtp c = server.connect()) {
            c.reply();
            c.cmd("ONE");
            c.cmd("TWO");
            long t0 = System.nanoTime();
            c.cmd("THREE");
            assertTrue(System.nanoTime() - t0 >= 350_000_000L, "third error held back");
        }
    }

    /** Random garbage never kills the server: every session ends cleanly and the next one works. */
    @Test
    void fuzzedSessionsNeverCrashTheServer() {
        Random random = new Random(5321);
        List<String> seeds = List.of("EHLO x\r\n", "MAIL FROM:<a@b.test>\r\n", "RCPT TO:<alice@example.test>\r\n", "DATA\r\n",
                ".\r\n", "\r\n", "\n", "\r", "\0", "RSET\r\n", "VRFY alice\r\n", "..\r\n", "BDAT 5\r\n", "\u00ff\u00fe");
        try (SmtpTestServer server = SmtpTestServer.start(Map.of("limits.errors", "1000"))) {
            for (int session = 0; session < 30; session++) {
                try (RawSmtp c = server.connect()) {
                    c.timeout(2000);
                    c.reply();
                    StringBuilder sb = new StringBuilder();
                    for (int i = 0; i < 40; i++) {
                        if (random.nextInt(3) == 0) {
                            byte[] junk = new byte[random.nextInt(64)];
                            random.nextBytes(junk);
                            sb.append(new String(junk, StandardCharsets.ISO_8859_1));
                        } else {
                            sb.append(seeds.get(random.nextInt(seeds.size())));
                        }
                    }
                    c.write(sb.toString());
                }
            }
            try (RawSmtp c = server.connect()) {
                startTransaction(c);
                assertTrue(c.cmd(".").startsWith("250 "));
            }
        }
    }

    private static String visible(String s) {
        return s.replace("\r", "\\r").replace("\n", "\\n");
    }

}
