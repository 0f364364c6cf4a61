package io.mailserver.pop3;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Optional;
import java.util.OptionalInt;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.mailserver.config.PlaintextAuth;
import io.mailserver.session.Line;
import io.mailserver.store.StoreException;

/** The state machine without sockets, over in-memory doubles of the two store ports. */
class Pop3SessionTest {
    private InMemoryUsers users;
    private InMemoryMaildrops drops;
    private MutableClock clock;
    private Pop3Context ctx;
    private long alice;

    private static final String M1 = "Return-Path: <s@x.test>\r\nSubject: one\r\n\r\nHello\r\n.dot line\r\n";
    private static final String M2 = "Return-Path: <>\r\nSubject: two\r\n\r\nBody\r\nline 2\r\n";
    private static final String M3 = "Subject: three\r\n\r\n\u00e9t\u00e9\r\n";

    @BeforeEach
    void setUp() {
        users = new InMemoryUsers();
        drops = new InMemoryMaildrops();
        clock = new MutableClock();
        ctx = Pop3Context.create(TestSettings.core(), users, drops, clock);
        alice = users.add("alice@example.test", "right pass").id();
        users.add("bob@example.test", "bobpw");
        drops.put(alice, M1.getBytes(StandardCharsets.ISO_8859_1));
        drops.put(alice, M2.getBytes(StandardCharsets.ISO_8859_1));
        drops.put(alice, M3.getBytes(StandardCharsets.ISO_8859_1));
    }

    final class Dialog {
        final Pop3Session s;
        Pop3Reply last;

        Dialog() {
            this(InetAddress.getLoopbackAddress());
        }

        Dialog(InetAddress from) {
            s = new Pop3Session(ctx, from);
        }

        String send(String line) {
            return send(new Line(line.getBytes(StandardCharsets.UTF_8), Line.Ending.CRLF, false));
        }

        String send(Line line) {
            last = s.onLine(line);
            return render(last);
        }

        Dialog login() {
            assertTrue(send("USER alice@example.test").startsWith("+OK"));
            assertTrue(send("PASS right pass").startsWith("+OK"), last.toString());
            return this;
        }
    }

    static String render(Pop3Reply reply) {
        if (reply.body() == null) {
            return reply.text();
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(reply.text().getBytes(StandardCharsets.ISO_8859_1));
        byte[] buf = new byte[7];
        try (MessageBody b = reply.body()) {
            int n;
            while ((n = b.read(buf, 0, buf.length)) >= 0) {
                out.write(buf, 0, n);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString(StandardCharsets.ISO_8859_1);
    }

    @Test
    void greetingNamesTheServerWithoutApopTimestamp() {
        assertEquals("+OK pop.example.test POP3 server ready\r\n", new Dialog().s.greeting());
    }

    @Test
    void userPassLogsInAndLocks() {
        Dialog d = new Dialog();
        assertEquals("+OK Send your password\r\n", d.send("USER alice@example.test"));
        String r = d.send("PASS right pass");
        assertEquals("+OK Logged in; maildrop has 3 messages (" + (M1.length() + M2.length() + M3.length()) + " octets)\r\n", r);
        assertEquals(Pop3State.TRANSACTION, d.s.state());
        assertTrue(drops.isLocked(alice));
        assertEquals(1, ctx.leases().size());
    }

    @Test
    void bareLocalPartUsesTheDefaultDomain() {
        Dialog d = new Dialog();
        d.send("USER alice");
        assertTrue(d.send("PASS right pass").startsWith("+OK"));
    }

    @Test
    void bareLocalPartFailsWithoutDefaultDomain() {
        ctx = Pop3Context.create(new Pop3Settings("h.test", Optional.empty(), Duration.ofMinutes(10), Duration.ofMinutes(15), 20, 5,
                Duration.ofMinutes(15), 3, Duration.ofMillis(10), Duration.ofMillis(10), Duration.ZERO), users, drops, clock);
        Dialog d = new Dialog();
        d.send("USER alice");
        assertEquals("-ERR [AUTH] Authentication failed\r\n", d.send("PASS right pass"));
    }

    @Test
    void unknownUserWrongPasswordAndDisabledUserLookTheSame() {
        Dialog d1 = new Dialog();
        d1.send("USER nobody@example.test");
        String unknown = d1.send("PASS right pass");
        Dialog d2 = new Dialog();
        d2.send("USER alice@example.test");
        String wrong = d2.send("PASS wrong");
        users.setEnabled(io.mailserver.store.MailAddress.parse("alice@example.test"), false);
        Dialog d3 = new Dialog();
        d3.send("USER alice@example.test");
        String disabled = d3.send("PASS right pass");
        Dialog d4 = new Dialog();
        d4.send("USER not@@address");
        String garbage = d4.send("PASS x");
        assertEquals("-ERR [AUTH] Authentication failed\r\n", unknown);
        assertEquals(unknown, wrong);
        assertEquals(unknown, disabled);
        assertEquals(unknown, garbage);
        assertEquals(Duration.ofMillis(10), d2.last.delay(), "failed logins are delayed");
        assertFalse(drops.isLocked(alice));
    }

    @Test
    void passwordIsWipedAfterUse() {
        Dialog d = new Dialog();
        d.send("USER alice@example.test");
        byte[] bytes = "PASS right pass".getBytes(StandardCharsets.US_ASCII);
        d.send(new Line(bytes, Line.Ending.CRLF, false));
        assertArrayEquals(new byte[bytes.length], bytes, "line bytes wiped");
        assertArrayEquals(new char[users.lastPasswordSeen.length], users.lastPasswordSeen, "password chars wiped");
    }

    @Test
    void passWithoutUserAndAfterAFailureNeedsUserAgain() {
        Dialog d = new Dialog();
        assertEquals("-ERR Send USER first\r\n", d.send("PASS x"));
        d.send("USER alice@example.test");
        d.send("PASS wrong");
        assertEquals("-ERR Send USER first\r\n", d.send("PASS right pass"));
    }

    @Test
    void failureDelaysGrowAndTheConnectionClosesAfterThree() {
        Dialog d = new Dialog();
        for (int i = 1; i <= 3; i++) {
            d.send("USER alice@example.test");
            d.send("PASS wrong");
            assertEquals(Duration.ofMillis(10L << (i - 1)), d.last.delay());
            assertEquals(i == 3, d.last.close(), "closed after 3");
        }
    }

    @Test
    void anAddressOverTheLimitIsRefusedEvenWithTheRightPassword() throws Exception {
        InetAddress attacker = InetAddress.getByName("192.0.2.7");
        for (int i = 0; i < 5; i++) {
            Dialog d = new Dialog(attacker);
            d.send("USER alice@example.test");
            d.send("PASS wrong" + i);
        }
        Dialog d = new Dialog(attacker);
        d.send("USER alice@example.test");
        assertEquals("-ERR [AUTH] Too many failed logins; try again later\r\n", d.send("PASS right pass"));
        assertTrue(d.last.close());
        Dialog other = new Dialog();
        other.login();
        clock.advance(Duration.ofMinutes(16));
        other.s.connectionClosed("test");
        Dialog later = new Dialog(attacker);
        later.login();
    }

    @Test
    void authPlainWithInitialResponse() {
        Dialog d = new Dialog();
        String ir = b64("\0alice@example.test\0right pass");
        assertTrue(d.send("AUTH PLAIN " + ir).startsWith("+OK Logged in"));
        assertEquals(Pop3State.TRANSACTION, d.s.state());
    }

    @Test
    void authPlainWithContinuationAndAuthzid() {
        Dialog d = new Dialog();
        assertEquals("+ \r\n", d.send("AUTH PLAIN"));
        assertTrue(d.send(b64("alice@example.test\0alice@example.test\0right pass")).startsWith("+OK"));
    }

    @Test
    void authPlainRefusesAnotherAuthzid() {
        Dialog d = new Dialog();
        assertEquals("-ERR [AUTH] Authentication failed\r\n", d.send("AUTH PLAIN " + b64("bob@example.test\0alice@example.test\0right pass")));
    }

    @Test
    void authPlainCancelAndBadBase64() {
        Dialog d = new Dialog();
        d.send("AUTH PLAIN");
        assertEquals("-ERR Authentication cancelled\r\n", d.send("*"));
        d.send("AUTH PLAIN");
        assertEquals("-ERR Invalid base64 data\r\n", d.send("!!!notbase64"));
        assertEquals("-ERR [AUTH] Authentication failed\r\n", d.send("AUTH PLAIN ="));
        assertEquals("-ERR Unsupported authentication mechanism\r\n", d.send("AUTH CRAM-MD5"));
        assertEquals("+OK\r\nPLAIN\r\n.\r\n", d.send("AUTH"));
        assertEquals(Pop3State.AUTHORIZATION, d.s.state());
    }

    @Test
    void apopIsRefusedWithAReason() {
        assertEquals("-ERR APOP not supported; use USER/PASS or AUTH PLAIN\r\n", new Dialog().send("APOP alice 0123456789abcdef"));
    }

    @Test
    void capaBeforeAndAfterLogin() {
        String expected = "+OK Capability list follows\r\nTOP\r\nUSER\r\nSASL PLAIN\r\nRESP-CODES\r\nAUTH-RESP-CODE\r\nPIPELINING\r\nUIDL\r\n"
                + "IMPLEMENTATION mailserver\r\n.\r\n";
        Dialog d = new Dialog();
        assertEquals(expected, d.send("CAPA"));
        d.login();
        assertEquals(expected, d.send("capa"));
    }

    @Test
    void commandsInTheWrongStateAreRefused() {
        Dialog d = new Dialog();
        for (String c : new String[] {"STAT", "LIST", "UIDL", "RETR 1", "TOP 1 1", "DELE 1", "NOOP", "RSET"}) {
            assertEquals("-ERR Not logged in\r\n", d.send(c), c);
        }
        d.login();
        for (String c : new String[] {"USER alice", "PASS x", "AUTH PLAIN", "APOP a b"}) {
            assertEquals("-ERR Already logged in\r\n", d.send(c), c);
        }
    }

    @Test
    void statListUidlRetrTop() {
        Dialog d = new Dialog().login();
        int total = M1.length() + M2.length() + M3.length();
        assertEquals("+OK 3 " + total + "\r\n", d.send("STAT"));
        assertEquals("+OK 3 messages (" + total + " octets)\r\n1 " + M1.length() + "\r\n2 " + M2.length() + "\r\n3 " + M3.length()
                + "\r\n.\r\n", d.send("LIST"));
        assertEquals("+OK 2 " + M2.length() + "\r\n", d.send("LIST 2"));
        assertEquals("+OK\r\n1 0000000000000064\r\n2 0000000000000065\r\n3 0000000000000066\r\n.\r\n", d.send("UIDL"));
        assertEquals("+OK 3 0000000000000066\r\n", d.send("UIDL 3"));
        assertEquals("+OK " + M1.length() + " octets\r\n" + M1.replace("\n.dot", "\n..dot") + ".\r\n", d.send("RETR 1"));
        assertEquals("+OK Top of message follows\r\nReturn-Path: <>\r\nSubject: two\r\n\r\nBody\r\n.\r\n", d.send("TOP 2 1"));
        assertEquals("+OK Top of message follows\r\nReturn-Path: <>\r\nSubject: two\r\n\r\n.\r\n", d.send("TOP 2 0"));
        assertEquals("+OK\r\n", d.send("NOOP"));
        assertEquals(1, d.s.stats().retrCount.get());
        assertEquals(2, d.s.stats().topCount.get());
    }

    @Test
    void badArgumentsAndMissingMessages() {
        Dialog d = new Dialog().login();
        assertEquals("-ERR No such message\r\n", d.send("RETR 4"));
        assertEquals("-ERR Invalid message number\r\n", d.send("RETR 0"));
        assertEquals("-ERR Invalid message number\r\n", d.send("LIST x"));
        assertEquals("-ERR Syntax: RETR <message number>\r\n", d.send("RETR"));
        assertEquals("-ERR Syntax: TOP <message number> <lines>\r\n", d.send("TOP 1"));
        assertEquals("-ERR Invalid number of lines\r\n", d.send("TOP 1 -1"));
        assertEquals("-ERR Syntax: LIST [message number]\r\n", d.send("LIST 1 2"));
        assertEquals("-ERR Syntax: STAT\r\n", d.send("STAT 1"));
        assertEquals("-ERR No such message\r\n", d.send("UIDL 99999999999"));
    }

    @Test
    void deletedMessagesAnswerErrUntilRset() {
        Dialog d = new Dialog().login();
        assertEquals("+OK Message 2 deleted\r\n", d.send("DELE 2"));
        assertEquals("-ERR Message 2 is marked deleted\r\n", d.send("DELE 2"));
        assertEquals("-ERR Message 2 is marked deleted\r\n", d.send("RETR 2"));
        assertEquals("-ERR Message 2 is marked deleted\r\n", d.send("LIST 2"));
        assertEquals("-ERR Message 2 is marked deleted\r\n", d.send("UIDL 2"));
        assertEquals("-ERR Message 2 is marked deleted\r\n", d.send("TOP 2 0"));
        assertEquals("+OK 2 " + (M1.length() + M3.length()) + "\r\n", d.send("STAT"));
        assertFalse(d.send("LIST").contains("\r\n2 "));
        assertFalse(d.send("UIDL").contains("\r\n2 "));
        assertEquals("+OK Maildrop has 3 messages (" + (M1.length() + M2.length() + M3.length()) + " octets)\r\n", d.send("RSET"));
        assertTrue(d.send("RETR 2").startsWith("+OK"));
    }

    @Test
    void quitAppliesDeletesInOneCallAndReleasesTheLock() {
        Dialog d = new Dialog().login();
        d.send("DELE 1");
        d.send("DELE 3");
        assertEquals("+OK pop.example.test POP3 server signing off (1 message left)\r\n", d.send("QUIT"));
        assertTrue(d.last.close());
        assertEquals(1, drops.deleteCalls.get());
        assertEquals(1, drops.count(alice));
        assertFalse(drops.isLocked(alice));
        assertEquals(Pop3State.UPDATE, d.s.state());
        d.s.connectionClosed("closed");
        assertEquals(2, d.s.stats().deleted);
    }

    @Test
    void droppedConnectionDeletesNothingAndUnlocks() {
        Dialog d = new Dialog().login();
        d.send("DELE 1");
        d.s.connectionClosed("dropped");
        assertEquals(0, drops.deleteCalls.get());
        assertEquals(3, drops.count(alice));
        assertFalse(drops.isLocked(alice));
        assertEquals(0, ctx.leases().size());
    }

    @Test
    void quitWithoutMarksDoesNotTouchTheStore() {
        Dialog d = new Dialog().login();
        assertEquals("+OK pop.example.test POP3 server signing off (3 messages left)\r\n", d.send("QUIT"));
        assertEquals(0, drops.deleteCalls.get());
    }

    @Test
    void quitBeforeLogin() {
        Dialog d = new Dialog();
        assertEquals("+OK pop.example.test POP3 server signing off\r\n", d.send("QUIT"));
        assertTrue(d.last.close());
    }

    @Test
    void secondSessionGetsInUseAndStaysInAuthorization() {
        Dialog first = new Dialog().login();
        Dialog second = new Dialog();
        second.send("USER alice@example.test");
        assertEquals("-ERR [IN-USE] Maildrop is locked by another session\r\n", second.send("PASS right pass"));
        assertEquals(Pop3State.AUTHORIZATION, second.s.state());
        assertFalse(second.last.close());
        assertTrue(first.send("STAT").startsWith("+OK 3 "));
    }

    @Test
    void snapshotIsFixedAtLogin() {
        Dialog d = new Dialog().login();
        drops.put(alice, "Subject: late\r\n\r\nx\r\n".getBytes(StandardCharsets.US_ASCII));
        assertTrue(d.send("STAT").startsWith("+OK 3 "));
        assertEquals("-ERR No such message\r\n", d.send("RETR 4"));
        d.send("DELE 1");
        assertEquals("+OK pop.example.test POP3 server signing off (3 messages left)\r\n", d.send("QUIT"));
    }

    @Test
    void lostLockMeansNoDeletes() {
        Dialog d = new Dialog().login();
        d.send("DELE 1");
        drops.loseLocks = true;
        assertEquals("-ERR [SYS/TEMP] Maildrop lock was lost; no messages deleted\r\n", d.send("QUIT"));
        assertEquals(0, drops.deleteCalls.get());
    }

    @Test
    void leaseKeeperRefreshesOnlyWhenAThirdOfTheTtlHasPassed() {
        new Dialog().login();
        ctx.leases().refreshDue();
        assertEquals(0, drops.refreshCalls.get());
        clock.advance(Duration.ofMinutes(5));
        ctx.leases().refreshDue();
        assertEquals(1, drops.refreshCalls.get());
    }

    @Test
    void storeOutageDuringLoginIsSysTemp() {
        users.failWith = new StoreException("db down");
        Dialog d = new Dialog();
        d.send("USER alice@example.test");
        assertEquals("-ERR [SYS/TEMP] Authentication temporarily unavailable; try again later\r\n", d.send("PASS right pass"));
    }

    @Test
    void overLongLinesAndGarbageGetErr() {
        Dialog d = new Dialog();
        assertEquals("-ERR Line too long\r\n", d.send("USER " + "a".repeat(300)));
        assertEquals("", d.send(new Line("x".repeat(100).getBytes(StandardCharsets.US_ASCII), Line.Ending.NONE, true)));
        assertEquals("-ERR Line too long\r\n", d.send("tail"));
        assertEquals("-ERR Unknown command\r\n", d.send("\u00ff\u00fe"));
        assertEquals("-ERR Empty command\r\n", d.send(""));
        assertEquals("-ERR Unknown command\r\n", d.send("HELO x"));
        assertEquals("-ERR Line must end with CRLF\r\n", d.send(new Line("STAT".getBytes(StandardCharsets.US_ASCII), Line.Ending.BARE_CR, true)));
        assertEquals("+OK Capability list follows", d.send(new Line("CAPA".getBytes(StandardCharsets.US_ASCII), Line.Ending.BARE_LF, false))
                .lines().findFirst().orElseThrow());
        // a long AUTH line is accepted
        String ir = b64("\0alice@example.test\0" + "p".repeat(400));
        assertEquals("-ERR [AUTH] Authentication failed\r\n", d.send("AUTH PLAIN " + ir));
    }

    @Test
    void tooManyErrorsCloses() {
        Dialog d = new Dialog();
        for (int i = 1; i < 20; i++) {
            d.send("BOGUS");
            assertFalse(d.last.close());
            assertEquals(i > 10 ? Duration.ofMillis(5) : Duration.ZERO, d.last.delay(), "slowed past half the limit");
        }
        assertEquals("-ERR Unknown command (too many errors, closing connection)\r\n", d.send("BOGUS"));
        assertTrue(d.last.close());
    }

    @Test
    void nothingIsAnsweredAfterTheEnd() {
        Dialog d = new Dialog();
        d.s.connectionClosed("x");
        assertTrue(d.send("CAPA").isEmpty());
        assertNull(d.last.body());
    }

    /**
     * {@code pop3.plaintext-auth = loopback} decides by the client's address: a client elsewhere is refused before TLS
     * (and not invited by CAPA), a loopback one is not; {@code always} lets both in; under TLS everyone may log in.
     */
    @Test
    void plaintextLoginFollowsThePolicyAndTheClientsAddress() throws Exception {
        InetAddress elsewhere = InetAddress.getByName("192.0.2.1");
        Pop3Context base = ctx;
        ctx = base.withCommands(Pop3Tls.secure(base.commands(), true, PlaintextAuth.LOOPBACK, () -> OptionalInt.of(995)));
        Dialog remote = new Dialog(elsewhere);
        assertFalse(remote.send("CAPA").contains("USER"));
        assertEquals("-ERR [AUTH] Plaintext authentication disallowed on non-secure connections; use STLS or POP3S on port 995\r\n",
                remote.send("USER alice@example.test"));
        assertTrue(remote.send("AUTH PLAIN " + b64("\0alice@example.test\0right pass")).startsWith("-ERR [AUTH] Plaintext"));
        remote.s.tlsEstablished(new io.mailserver.session.TlsInfo("TLSv1.3", "TLS_AES_128_GCM_SHA256"));
        assertTrue(remote.send("CAPA").contains("USER"));
        remote.login();

        Dialog local = new Dialog(InetAddress.getByName("127.0.0.1"));
        assertTrue(local.send("CAPA").contains("\r\nUSER\r\n"));
        assertTrue(local.send("USER bob@example.test").startsWith("+OK"));
        assertTrue(local.send("PASS bobpw").startsWith("+OK Logged in"));

        ctx = base.withCommands(Pop3Tls.secure(base.commands(), true, PlaintextAuth.ALWAYS, OptionalInt::empty));
        Dialog anywhere = new Dialog(InetAddress.getByName("2001:db8::1"));
        assertTrue(anywhere.send("USER bob@example.test").startsWith("+OK"));
        assertTrue(anywhere.send("PASS bobpw").startsWith("-ERR [IN-USE]"), "got past the policy to the maildrop lock");

        ctx = base.withCommands(Pop3Tls.secure(base.commands(), true, PlaintextAuth.NEVER, OptionalInt::empty));
        Dialog loopbackButNever = new Dialog(InetAddress.getByName("::1"));
        assertTrue(loopbackButNever.send("USER bob@example.test").startsWith("-ERR [AUTH] Plaintext"));
    }

    private static String b64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }
}
