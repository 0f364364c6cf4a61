package io.mailserver.pop3;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import io.mailserver.store.User;

/** Every command and state rule of RFC 1939 / 2449 / 5034 over a real socket and the real H2 store. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class Pop3CommandsSocketTest {
    private static Pop3Fixture f;
    private static User alice;
    private static byte[] m1;
    private static byte[] m2;
    private static byte[] m3;

    static final String CAPA = "[TOP, USER, SASL PLAIN, RESP-CODES, AUTH-RESP-CODE, PIPELINING, UIDL, IMPLEMENTATION mailserver]";

    @BeforeAll
    static void start() {
        f = Pop3Fixture.start();
        alice = f.addUser("alice@example.test", "alice pass");
        f.addUser("carol@example.test", "carolpw");
        m1 = f.deliver("Subject: one\r\n\r\nHello\r\n.leading dot\r\n..two dots\r\n.\r\nend\r\n", alice);
        m2 = f.deliver("bob@remote.test", "Subject: =?utf-8?q?caf=C3=A9?=\r\n\r\n8-bit: caf\u00e9 \u00fcber \u65e5\u672c\r\n"
                .getBytes(StandardCharsets.UTF_8), alice);
        m3 = f.deliver("", "Subject: three\r\n\r\nl1\r\nl2\r\nl3\r\n".getBytes(StandardCharsets.US_ASCII), alice);
    }

    @AfterAll
    static void stop() {
        f.close();
    }

    private Pop3TestClient c;

    @BeforeEach
    void connect() {
        c = f.connect();
    }

    @org.junit.jupiter.api.AfterEach
    void disconnect() {
        c.close();
    }

    @Test
    void greetingNamesTheHostAndHasNoApopTimestamp() {
        assertEquals("+OK pop.example.test POP3 server ready", c.greeting);
    }

    @Test
    void capaBeforeAndAfterLogin() {
        assertEquals(CAPA, c.multi("CAPA").toString());
        c.login("alice@example.test", "alice pass");
        assertEquals(CAPA, c.multi("CAPA").toString());
    }

    @Test
    void userPassWithFullAddressAndBareLocalPart() {
        c.login("alice@example.test", "alice pass");
        c.quit();
        try (Pop3TestClient d = f.connect()) {
            d.login("ALICE", "alice pass");
        }
    }

    @Test
    void authPlainWithInitialResponseAndWithContinuation() {
        String ir = b64("\0alice@example.test\0alice pass");
        assertTrue(c.cmd("AUTH PLAIN " + ir).startsWith("+OK "));
        c.quit();
        try (Pop3TestClient d = f.connect()) {
            assertEquals("+ ", d.cmd("AUTH PLAIN"));
            assertEquals("-ERR Authentication cancelled", d.cmd("*"));
            assertEquals("+ ", d.cmd("auth plain"));
            assertTrue(d.cmd(ir).startsWith("+OK "));
            assertTrue(d.cmd("STAT").startsWith("+OK 3 "));
        }
    }

    @Test
    void wrongStateUnknownAndApop() {
        for (String cmd : List.of("STAT", "LIST", "UIDL", "RETR 1", "TOP 1 0", "DELE 1", "NOOP", "RSET")) {
            assertEquals("-ERR Not logged in", c.cmd(cmd), cmd);
        }
        assertEquals("-ERR Unknown command", c.cmd("EHLO x"));
        assertEquals("-ERR APOP not supported; use USER/PASS or AUTH PLAIN", c.cmd("APOP alice c4c9334bac560ecc979e58001b3e22fb"));
        assertEquals("-ERR Send USER first", c.cmd("PASS x"));
        c.login("alice@example.test", "alice pass");
        for (String cmd : List.of("USER alice", "PASS x", "AUTH PLAIN", "APOP a b")) {
            assertEquals("-ERR Already logged in", c.cmd(cmd), cmd);
        }
    }

    @Test
    void statListUidlExactOctets() {
        c.login("alice@example.test", "alice pass");
        long total = m1.length + m2.length + m3.length;
        assertEquals("+OK 3 " + total, c.cmd("STAT"));
        assertEquals("+OK 3 messages (" + total + " octets)", c.cmd("LIST"));
        assertEquals(List.of("1 " + m1.length, "2 " + m2.length, "3 " + m3.length), c.readMultiLine());
        assertEquals("+OK 2 " + m2.length, c.cmd("LIST 2"));
        List<String> uidl = c.multi("UIDL");
        assertEquals(3, uidl.size());
        for (int i = 0; i < 3; i++) {
            String[] p = uidl.get(i).split(" ");
            assertEquals(String.valueOf(i + 1), p[0]);
            assertTrue(p[1].matches("[0-9a-f]{16}"), p[1]);
            assertEquals("+OK " + (i + 1) + " " + p[1], c.cmd("UIDL " + (i + 1)));
        }
        assertEquals("-ERR No such message", c.cmd("LIST 4"));
        assertEquals("-ERR Invalid message number", c.cmd("LIST 0"));
        assertEquals("-ERR Invalid message number", c.cmd("UIDL -1"));
    }

    @Test
    void retrIsByteExactAndByteStuffed() {
        c.login("alice@example.test", "alice pass");
        assertEquals("+OK " + m1.length + " octets", c.cmd("RETR 1"));
        byte[] raw = c.readRawBody();
        String rawText = new String(raw, StandardCharsets.ISO_8859_1);
        assertTrue(rawText.contains("\r\n..leading dot\r\n...two dots\r\n..\r\nend\r\n.\r\n"), rawText);
        assertArrayEquals(m1, Pop3TestClient.unstuff(raw));
        // LIST size == what RETR delivers before stuffing
        assertEquals(m1.length, Pop3TestClient.unstuff(raw).length);
        assertArrayEquals(m2, c.retr(2), "8-bit content unchanged");
        assertArrayEquals(m3, c.retr(3));
        assertEquals("Return-Path: <>", new String(m3, StandardCharsets.US_ASCII).lines().findFirst().orElseThrow());
    }

    @Test
    void topSendsHeadersAndNLines() {
        c.login("alice@example.test", "alice pass");
        assertEquals("+OK Top of message follows", c.cmd("TOP 3 2"));
        assertEquals(List.of("Return-Path: <>", "Subject: three", "", "l1", "l2"), c.readMultiLine());
        assertEquals("+OK Top of message follows", c.cmd("TOP 3 0"));
        assertEquals(List.of("Return-Path: <>", "Subject: three", ""), c.readMultiLine());
        assertEquals("+OK Top of message follows", c.cmd("TOP 1 2"));
        assertEquals(List.of("Return-Path: <sender@remote.test>", "Subject: one", "", "Hello", ".leading dot"), c.readMultiLine());
        assertEquals("-ERR Invalid number of lines", c.cmd("TOP 1 x"));
        assertEquals("-ERR Syntax: TOP <message number> <lines>", c.cmd("TOP 1"));
    }

    @Test
    void deleRsetNoopAndDeletedNumbers() {
        c.login("alice@example.test", "alice pass");
        assertEquals("+OK Message 1 deleted", c.cmd("DELE 1"));
        assertEquals("-ERR Message 1 is marked deleted", c.cmd("DELE 1"));
        assertEquals("-ERR Message 1 is marked deleted", c.cmd("RETR 1"));
        assertEquals("-ERR Message 1 is marked deleted", c.cmd("TOP 1 0"));
        assertEquals("-ERR Message 1 is marked deleted", c.cmd("LIST 1"));
        assertEquals("-ERR Message 1 is marked deleted", c.cmd("UIDL 1"));
        assertEquals("+OK 2 " + (m2.length + m3.length), c.cmd("STAT"));
        assertEquals(List.of("2 " + m2.length, "3 " + m3.length), c.multi("LIST"));
        assertEquals(2, c.multi("UIDL").size());
        assertEquals("+OK", c.cmd("NOOP"));
        assertEquals("+OK Maildrop has 3 messages (" + (m1.length + m2.length + m3.length) + " octets)", c.cmd("RSET"));
        assertEquals("+OK 1 " + m1.length, c.cmd("LIST 1"));
        // leave without QUIT: nothing may change
    }

    @Test
    void pipelinedCommandsAreAnsweredInOrder() {
        c.sendRaw("USER alice@example.test\r\nPASS alice pass\r\nSTAT\r\nLIST 1\r\nRETR 3\r\nNOOP\r\nUIDL 2\r\nTOP 3 0\r\nRSET\r\n");
        assertTrue(c.readLine().startsWith("+OK"));
        assertTrue(c.readLine().startsWith("+OK Logged in"));
        assertTrue(c.readLine().startsWith("+OK 3 "));
        assertEquals("+OK 1 " + m1.length, c.readLine());
        assertEquals("+OK " + m3.length + " octets", c.readLine());
        assertArrayEquals(m3, Pop3TestClient.unstuff(c.readRawBody()));
        assertEquals("+OK", c.readLine());
        assertTrue(c.readLine().startsWith("+OK 2 "));
        assertEquals("+OK Top of message follows", c.readLine());
        assertEquals(3, c.readMultiLine().size());
        assertTrue(c.readLine().startsWith("+OK Maildrop has 3"));
    }

    @Test
    void overLongLinesAndGarbageGetErrAndTheSessionGoesOn() {
        assertEquals("-ERR Line too long", c.cmd("USER " + "x".repeat(251)));
        assertEquals("-ERR Line too long", c.cmd("NOOP " + "y".repeat(20_000)));
        assertEquals("-ERR Unknown command", c.cmd("\u0000\u0001\u0002"));
        c.sendRaw(new byte[] {(byte) 0xff, (byte) 0xfe, 'x', '\r', '\n'});
        assertEquals("-ERR Unknown command", c.readLine());
        assertEquals("-ERR Empty command", c.cmd(""));
        c.sendRaw("CAPA\r");
        c.sendRaw("\u0000\r\n");
        assertEquals("-ERR Line must end with CRLF", c.readLine());
        assertEquals("-ERR Unknown command", c.readLine());
        // a bare LF is tolerated
        c.sendRaw("NOOP\n");
        assertEquals("-ERR Not logged in", c.readLine());
        c.login("alice@example.test", "alice pass");
        assertTrue(c.cmd("STAT").startsWith("+OK 3 "));
    }

    @Test
    void tooManyErrorsCloseTheConnection() {
        for (int i = 1; i < 20; i++) {
            assertEquals("-ERR Unknown command", c.cmd("XYZZY"));
        }
        assertEquals("-ERR Unknown command (too many errors, closing connection)", c.cmd("XYZZY"));
        assertTrue(c.closedByServer());
    }

    @Test
    void quitBeforeLogin() {
        assertEquals("+OK pop.example.test POP3 server signing off", c.cmd("QUIT"));
        assertTrue(c.closedByServer());
    }

    @Test
    void failedLoginLooksTheSameForEveryCause() {
        assertEquals("+OK Send your password", c.cmd("USER nobody@example.test"));
        String unknown = c.cmd("PASS alice pass");
        c.cmd("USER alice@example.test");
        String wrong = c.cmd("PASS wrong");
        assertEquals("-ERR [AUTH] Authentication failed", unknown);
        assertEquals(unknown, wrong);
        try (Pop3TestClient d = f.connect()) {
            String disabled;
            f.temp.store().users().setEnabled(io.mailserver.store.MailAddress.parse("carol@example.test"), false);
            try {
                d.cmd("USER carol@example.test");
                disabled = d.cmd("PASS carolpw");
            } finally {
                f.temp.store().users().setEnabled(io.mailserver.store.MailAddress.parse("carol@example.test"), true);
            }
            assertEquals(unknown, disabled);
            d.login("carol@example.test", "carolpw");
        }
        assertFalse(c.closedByServerWithin(100));
    }

    private static String b64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }
}
