package io.mailserver.mta.smtp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.mailserver.mta.smtp.check.CheckResult;
import io.mailserver.mta.smtp.check.DataCheck;
import io.mailserver.mta.smtp.check.HeloCheck;
import io.mailserver.mta.smtp.check.InboundChecks;
import io.mailserver.mta.smtp.check.MailCheck;
import io.mailserver.mta.smtp.check.MessageScan;

/** The protocol core without sockets: exact replies for exact input. */
class SmtpProtocolTest {
    static final String STRANGER = "192.0.2.10";
    static final String LOOPBACK = "127.0.0.1";

    FakeStore store;
    long alice;
    long bob;

    @BeforeEach
    void setUp() {
        store = new FakeStore().domain("example.test").domain("other.example");
        alice = store.user("alice@example.test", "Alice Liddell").id();
        bob = store.user("bob@example.test", "").id();
        store.alias("team@example.test", "alice@example.test", "bob@example.test", "carol@remote.test");
        store.alias("all@example.test", "team@example.test", "alice@example.test");
    }

    Dialog dialog(String ip) {
        return new Dialog(store, Map.of(), ip);
    }

    Dialog dialog(String ip, Map<String, String> config) {
        return new Dialog(store, config, ip);
    }

    Dialog greeted(String ip) {
        Dialog d = dialog(ip);
        d.each("EHLO client.test");
        return d;
    }

    @Test
    void greetingAndEhloList() {
        Dialog d = dialog(STRANGER);
        assertEquals("220 mx.example.test ESMTP ready\r\n", d.greeting());
        assertEquals("250-mx.example.test greets client.test\r\n250-PIPELINING\r\n250-SIZE 33554432\r\n250-8BITMIME\r\n"
                + "250-ENHANCEDSTATUSCODES\r\n250 HELP\r\n", d.send("EHLO client.test\r\n"));
        assertEquals("250 mx.example.test\r\n", d.send("helo client.test\r\n"));
    }

    @Test
    void ehloNeedsAValidName() {
        Dialog d = dialog(STRANGER);
        assertEquals("501 5.5.4 Syntax: EHLO hostname\r\n", d.send("EHLO\r\n"));
        assertEquals("501 5.5.4 Error: invalid domain name\r\n", d.send("EHLO bad..name\r\n"));
        assertEquals("501 5.5.4 Error: invalid domain name\r\n", d.send("EHLO two words\r\n"));
        assertTrue(d.send("EHLO [192.0.2.10]\r\n").startsWith("250-"));
        assertTrue(d.send("EHLO MY_PC\r\n").startsWith("250-"));
        assertEquals("501 5.5.4 Error: invalid domain name\r\n", d.send("EHLO [IPv6:" + ":".repeat(100) + "]\r\n"));
        assertEquals("501 5.5.4 Error: invalid domain name\r\n", d.send("EHLO " + "a".repeat(300) + "\r\n"));
    }

    @Test
    void wholeTransactionStoresExactBytes() {
        Dialog d = greeted(STRANGER);
        assertEquals("250 2.1.0 Ok\r\n", d.send("MAIL FROM:<sender@far.test>\r\n"));
        assertEquals("250 2.1.5 Ok\r\n", d.send("RCPT TO:<Alice@EXAMPLE.test>\r\n"));
        assertEquals("354 End data with <CR><LF>.<CR><LF>\r\n", d.send("DATA\r\n"));
        assertTrue(d.protocol.inData());
        String reply = d.send("Subject: hi\r\n\r\n..leading dot\r\n.\r\n");
        assertTrue(reply.matches("250 2\\.0\\.0 Ok: queued as [0-9A-Z]{10,16}\r\n"), reply);
        assertFalse(d.protocol.inData());
        assertEquals(1, store.committed.size());
        FakeStore.Committed m = store.committed.get(0);
        assertEquals("sender@far.test", m.sender());
        assertEquals(Set.of(alice), m.localUsers());
        assertEquals("Received: from client.test ([192.0.2.10])\r\n\tby mx.example.test with ESMTP id " + m.queueId()
                + "\r\n\tfor <Alice@EXAMPLE.test>; Tue, 1 Jul 2025 10:00:00 +0000\r\n"
                + "Subject: hi\r\n\r\n.leading dot\r\n", m.text());
        assertTrue(reply.contains(m.queueId()));
        // the transaction is over: a new one may start at once
        assertEquals("503 5.5.1 Error: need MAIL command\r\n", d.send("RCPT TO:<alice@example.test>\r\n"));
        assertEquals("250 2.1.0 Ok\r\n", d.send("MAIL FROM:<>\r\n"));
    }

    @Test
    void heloSessionIsSmtpInReceivedAndMultipleRecipientsHaveNoFor() {
        Dialog d = dialog(STRANGER);
        d.each("HELO client.test", "MAIL FROM:<s@far.test>", "RCPT TO:<alice@example.test>", "RCPT TO:<bob@example.test>", "DATA");
        d.send("x\r\n.\r\n");
        String text = store.committed.get(0).text();
        assertTrue(text.startsWith("Received: from client.test ([192.0.2.10])\r\n\tby mx.example.test with SMTP id "), text);
        assertFalse(text.contains("for <"));
        assertEquals(Set.of(alice, bob), store.committed.get(0).localUsers());
    }

    @Test
    void emptyMessageAndManyMessagesInOneSession() {
        Dialog d = greeted(STRANGER);
        for (int i = 0; i < 3; i++) {
            d.each("MAIL FROM:<s@far.test>", "RCPT TO:<bob@example.test>", "DATA");
            assertTrue(d.send(".\r\n").startsWith("250 2.0.0 Ok: queued as "));
        }
        assertEquals(3, store.committed.size());
        assertTrue(store.committed.get(0).text().endsWith("+0000\r\n"));
    }

    @Test
    void sequenceErrors() {
        Dialog d = dialog(STRANGER);
        assertEquals("503 5.5.1 Error: send HELO/EHLO first\r\n", d.send("MAIL FROM:<a@far.test>\r\n"));
        assertEquals("503 5.5.1 Error: need MAIL command\r\n", d.send("RCPT TO:<alice@example.test>\r\n"));
        assertEquals("503 5.5.1 Error: need MAIL command\r\n", d.send("DATA\r\n"));
        d.each("EHLO c.test");
        assertEquals("503 5.5.1 Error: need MAIL command\r\n", d.send("DATA\r\n"));
        d.each("MAIL FROM:<a@far.test>");
        assertEquals("503 5.5.1 Error: nested MAIL command\r\n", d.send("MAIL FROM:<a@far.test>\r\n"));
        assertEquals("503 5.5.1 Error: need RCPT command\r\n", d.send("DATA\r\n"));
        assertEquals("550 5.1.1 <nobody@example.test>: Recipient address rejected: User unknown\r\n", d.send("RCPT TO:<nobody@example.test>\r\n"));
        assertEquals("554 5.5.1 Error: no valid recipients\r\n", d.send("DATA\r\n"));
        assertEquals("250 2.0.0 Ok\r\n", d.send("RSET\r\n"));
        assertEquals("503 5.5.1 Error: need MAIL command\r\n", d.send("RCPT TO:<alice@example.test>\r\n"));
    }

    @Test
    void unknownUnimplementedAndSyntax() {
        Dialog d = greeted(STRANGER);
        assertEquals("500 5.5.2 Error: command not recognized\r\n", d.send("FOO bar\r\n"));
        assertEquals("502 5.5.1 Error: command not implemented\r\n", d.send("TURN\r\n"));
        assertEquals("502 5.5.1 Error: command not implemented\r\n", d.send("BDAT 10 LAST\r\n"));
        assertEquals("502 5.5.1 Error: command not implemented\r\n", d.send("STARTTLS\r\n"));
        assertEquals("500 5.5.2 Error: bad syntax\r\n", d.send("\r\n"));
        assertEquals("501 5.5.4 Syntax: RSET\r\n", d.send("RSET now\r\n"));
        assertEquals("501 5.5.4 Syntax: QUIT\r\n", d.send("QUIT now\r\n"));
        assertEquals("250 2.0.0 Ok\r\n", d.send("noop anything at all\r\n"));
        assertEquals("250 2.0.0 Ok\r\n", d.send("rSeT\r\n"));
        assertTrue(d.send("HELP\r\n").startsWith("214-2.0.0 Commands: HELO EHLO MAIL RCPT DATA RSET NOOP QUIT VRFY EXPN HELP\r\n214 2.0.0 "));
        assertEquals("501 5.5.4 Syntax: MAIL FROM:<address>\r\n", d.send("MAIL FROM:a@far.test\r\n"));
        d.each("MAIL FROM:<a@far.test>", "RCPT TO:<bob@example.test>");
        assertEquals("501 5.5.4 Syntax: DATA\r\n", d.send("DATA now\r\n"));
        assertEquals("221 2.0.0 mx.example.test closing connection\r\n", d.send("QUIT\r\n"));
        assertTrue(d.closed);
        assertEquals("", d.send("NOOP\r\n"));
    }

    @Test
    void controlCharactersAndBareNewlinesInCommands() {
        Dialog d = greeted(STRANGER);
        assertEquals("500 5.5.2 Error: control characters in command\r\n", d.send("NOOP\0\r\n"));
        assertEquals("500 5.5.2 Error: control characters in command\r\n", d.send("MAIL FROM:<a@b.test>\tSIZE=1\r\n"));
        assertEquals("500 5.5.2 Error: bare <LF> or <CR> received; commands end with <CR><LF>\r\n", d.send("NOOP\n"));
        assertEquals("500 5.5.2 Error: bare <LF> or <CR> received; commands end with <CR><LF>\r\n250 2.0.0 Ok\r\n",
                d.send("NOOP\rNOOP\r\n"));
        Dialog lenient = dialog(STRANGER, Map.of("smtp.bare-newline", "normalize"));
        assertEquals("250 2.0.0 Ok\r\n", lenient.send("NOOP\n"));
    }

    @Test
    void commandLineLimitCountsCrlfAndSurvivesFragments() {
        Dialog d = greeted(STRANGER);
        String ok = "NOOP " + "x".repeat(2048 - 5 - 2);
        assertEquals("250 2.0.0 Ok\r\n", d.send(ok + "\r\n"));
        assertEquals("500 5.5.2 Error: line too long\r\n", d.send(ok + "x\r\n"));
        // a 100 KB line arrives in 8 KiB fragments: one reply, memory bounded
        assertEquals("500 5.5.2 Error: line too long\r\n", d.send("NOOP " + "y".repeat(100_000) + "\r\n"));
        assertEquals("250 2.0.0 Ok\r\n", d.send("NOOP\r\n"));
    }

    @Test
    void declaredSizeOverLimitIsRefusedAtMail() {
        Dialog d = dialog(STRANGER, Map.of("limits.message-size", "1000"));
        d.each("EHLO c.test");
        assertEquals("552 5.3.4 Message size exceeds fixed maximum message size\r\n", d.send("MAIL FROM:<a@far.test> SIZE=1001\r\n"));
        assertEquals("250 2.1.0 Ok\r\n", d.send("MAIL FROM:<a@far.test> SIZE=1000\r\n"));
    }

    @Test
    void messageOverLimitIsReadToTheEndThenRefused() {
        Dialog d = dialog(STRANGER, Map.of("limits.message-size", "1000"));
        d.each("EHLO c.test", "MAIL FROM:<a@far.test>", "RCPT TO:<alice@example.test>", "DATA");
        String body = ("z".repeat(98) + "\r\n").repeat(11);
        assertEquals("552 5.3.4 Error: message too big for system\r\n", d.send(body + ".\r\n"));
        assertTrue(store.committed.isEmpty());
        assertTrue(store.begun.get(0).closed);
        assertEquals("250 2.0.0 Ok\r\n", d.send("NOOP\r\n"));
    }

    @Test
    void recipientLimit() {
        Dialog d = dialog(STRANGER, Map.of("limits.recipients", "2"));
        d.each("EHLO c.test", "MAIL FROM:<a@far.test>");
        assertEquals("250 2.1.5 Ok\r\n", d.send("RCPT TO:<alice@example.test>\r\n"));
        assertEquals("250 2.1.5 Ok\r\n", d.send("RCPT TO:<bob@example.test>\r\n"));
        assertEquals("452 4.5.3 Error: too many recipients\r\n", d.send("RCPT TO:<team@example.test>\r\n"));
    }

    @Test
    void aliasesExpandAndEveryUserGetsOneCopy() {
        Dialog d = greeted(LOOPBACK);
        d.each("MAIL FROM:<a@far.test>", "RCPT TO:<all@example.test>", "RCPT TO:<team@example.test>", "RCPT TO:<alice@example.test>",
                "RCPT TO:<carol@REMOTE.test>", "DATA");
        assertTrue(d.send("hello\r\n.\r\n").startsWith("250 "));
        FakeStore.Committed m = store.committed.get(0);
        assertEquals(Set.of(alice, bob), m.localUsers());
        assertEquals(Set.of("carol@remote.test"), m.remote());
    }

    @Test
    void strangerAliasToRemoteIsStillQueued() {
        Dialog d = greeted(STRANGER);
        d.each("MAIL FROM:<a@far.test>", "RCPT TO:<team@example.test>", "DATA");
        d.send("x\r\n.\r\n");
        assertEquals(Set.of("carol@remote.test"), store.committed.get(0).remote());
    }

    /** The open-relay tricks: refused at RCPT, or accepted only as a real local mailbox. */
    @Test
    void openRelayTricksFromAStranger() {
        Map<String, String> expected = new java.util.LinkedHashMap<>();
        expected.put("<user%other.test@example.test>", "550 5.1.1");
        expected.put("<other.test!user@example.test>", "550 5.1.1");
        expected.put("<\"user@other.test\"@example.test>", "550 5.1.1");
        expected.put("<@example.test:user@other.test>", "554 5.7.1");
        expected.put("<user@other.test@example.test>", "501 5.1.3");
        expected.put("<user@[127.0.0.1]>", "554 5.7.1");
        expected.put("<user@[IPv6:::1]>", "554 5.7.1");
        expected.put("<user@other.test >", "501 5.1.3");
        expected.put("<user@other.test.>", "554 5.7.1");
        expected.put("<user@OTHER.TEST>", "554 5.7.1");
        expected.put("<user@example.test..>", "501 5.1.3");
        expected.put("<user@example.test.other.test>", "554 5.7.1");
        expected.put("<user@sub.example.test>", "554 5.7.1");
        expected.put("<alice@example.test.>", "250 2.1.5");
        expected.put("<ALICE@Example.Test>", "250 2.1.5");
        expected.put("<\"alice\"@example.test>", "250 2.1.5");
        expected.put("<@other.test:alice@example.test>", "250 2.1.5");
        Dialog d = greeted(STRANGER);
        d.each("MAIL FROM:<a@far.test>");
        for (Map.Entry<String, String> e : expected.entrySet()) {
            String reply = d.send("RCPT TO:" + e.getKey() + "\r\n");
            assertTrue(reply.startsWith(e.getValue() + " "), e.getKey() + " -> " + reply);
        }
        d.send("DATA\r\n");
        d.send("x\r\n.\r\n");
        assertEquals(1, store.committed.size());
        assertEquals(Set.of(alice), store.committed.get(0).localUsers());
        assertTrue(store.committed.get(0).remote().isEmpty());
    }

    @Test
    void trustedClientsMayRelay() {
        Dialog d = greeted(LOOPBACK);
        d.each("MAIL FROM:<a@example.test>");
        assertEquals("250 2.1.5 Ok\r\n", d.send("RCPT TO:<User@Other.Test.>\r\n"));
        assertEquals("250 2.1.5 Ok\r\n", d.send("RCPT TO:<x@[192.0.2.1]>\r\n"));
        assertEquals("550 5.1.1 <nobody@example.test>: Recipient address rejected: User unknown\r\n",
                d.send("RCPT TO:<nobody@example.test>\r\n"));
        d.send("DATA\r\n");
        d.send("x\r\n.\r\n");
        assertEquals(Set.of("User@other.test", "x@[192.0.2.1]"), store.committed.get(0).remote());
    }

    @Test
    void postmasterAlwaysExists() {
        // no user or alias named postmaster, no server.postmaster: the domain's oldest enabled user
        Dialog d = greeted(STRANGER);
        d.each("MAIL FROM:<>");
        assertEquals("250 2.1.5 Ok\r\n", d.send("RCPT TO:<postmaster@example.test>\r\n"));
        assertEquals("250 2.1.5 Ok\r\n", d.send("RCPT TO:<Postmaster>\r\n"));
        assertEquals("250 2.1.5 Ok\r\n", d.send("RCPT TO:<POSTMASTER@Example.Test.>\r\n"));
        // a local domain without any user: 451, the sender will retry
        assertEquals("451 4.3.0 <postmaster@other.example>: no mailbox for postmaster yet, try again later\r\n",
                d.send("RCPT TO:<postmaster@other.example>\r\n"));
        d.send("DATA\r\n");
        d.send("x\r\n.\r\n");
        assertEquals(Set.of(alice), store.committed.get(0).localUsers());
    }

    @Test
    void postmasterGoesToConfiguredAddressOrAlias() {
        Dialog d = dialog(STRANGER, Map.of("server.postmaster", "bob@example.test"));
        d.each("EHLO c.test", "MAIL FROM:<>", "RCPT TO:<postmaster@other.example>", "DATA");
        d.send("x\r\n.\r\n");
        assertEquals(Set.of(bob), store.committed.get(0).localUsers());

        store.alias("postmaster@example.test", "bob@example.test", "alice@example.test");
        Dialog d2 = greeted(STRANGER);
        d2.each("MAIL FROM:<>", "RCPT TO:<postmaster>", "DATA");
        d2.send("x\r\n.\r\n");
        assertEquals(Set.of(alice, bob), store.committed.get(1).localUsers());

        Dialog d3 = dialog(STRANGER, Map.of("server.postmaster", "admin@elsewhere.test"));
        d3.each("EHLO c.test", "MAIL FROM:<>", "RCPT TO:<postmaster@other.example>", "DATA");
        d3.send("x\r\n.\r\n");
        assertEquals(Set.of("admin@elsewhere.test"), store.committed.get(2).remote());
    }

    @Test
    void directoryChangesApplyToTheNextRcpt() {
        Dialog d = greeted(STRANGER);
        d.each("MAIL FROM:<a@far.test>");
        assertTrue(d.send("RCPT TO:<new@example.test>\r\n").startsWith("550 5.1.1"));
        store.user("new@example.test", "");
        assertEquals("250 2.1.5 Ok\r\n", d.send("RCPT TO:<new@example.test>\r\n"));
    }

    @Test
    void vrfyAndExpnForTrustedClients() {
        Dialog d = greeted(LOOPBACK);
        assertEquals("250 2.1.5 Alice Liddell <alice@example.test>\r\n", d.send("VRFY alice\r\n"));
        assertEquals("250 2.1.5 Alice Liddell <alice@example.test>\r\n", d.send("VRFY <Alice@Example.Test>\r\n"));
        assertEquals("250 2.1.5 bob@example.test\r\n", d.send("VRFY bob@example.test\r\n"));
        assertEquals("250 2.1.5 team@example.test\r\n", d.send("VRFY team@example.test\r\n"));
        assertEquals("550 5.1.1 nobody: Mailbox unknown\r\n", d.send("VRFY nobody\r\n"));
        assertEquals("550 5.1.1 nobody@example.test: Mailbox unknown\r\n", d.send("VRFY nobody@example.test\r\n"));
        assertEquals("551 5.7.1 x@far.test: User not local\r\n", d.send("VRFY x@far.test\r\n"));
        assertEquals("501 5.5.4 Syntax: VRFY address\r\n", d.send("VRFY\r\n"));
        assertEquals("501 5.5.4 Syntax: VRFY address\r\n", d.send("VRFY " + "a".repeat(300) + "\r\n"));
        store.user("alice@other.example", "Other Alice");
        assertEquals("553-5.1.4 Ambiguous; possibilities are\r\n553-5.1.4 Alice Liddell <alice@example.test>\r\n"
                + "553 5.1.4 Other Alice <alice@other.example>\r\n", d.send("VRFY alice\r\n"));
        assertEquals("250-2.1.5 Alice Liddell <alice@example.test>\r\n250-2.1.5 bob@example.test\r\n250 2.1.5 <carol@remote.test>\r\n",
                d.send("EXPN team\r\n"));
        assertEquals("250-2.1.5 Alice Liddell <alice@example.test>\r\n250-2.1.5 bob@example.test\r\n250 2.1.5 <carol@remote.test>\r\n",
                d.send("EXPN all@example.test\r\n"));
        assertEquals("550 5.1.1 bob@example.test: Not a mailing list\r\n", d.send("EXPN bob\r\n"));
        assertEquals("550 5.1.1 nothing: Mailbox unknown\r\n", d.send("EXPN nothing\r\n"));
        assertEquals(8, d.protocol.session().errorCount()); // every 5xx reply above counts
    }

    @Test
    void vrfyAndExpnForStrangersCountAsErrors() {
        Dialog d = greeted(STRANGER);
        assertEquals("252 2.5.1 Cannot VRFY user, but will accept message and attempt delivery\r\n", d.send("VRFY alice\r\n"));
        assertEquals("502 5.5.1 Error: EXPN not available\r\n", d.send("EXPN team\r\n"));
        assertEquals(2, d.protocol.session().errorCount());

        Dialog open = dialog(STRANGER, Map.of("smtp.vrfy", "everyone", "smtp.expn", "everyone"));
        open.each("EHLO c.test");
        assertEquals("250 2.1.5 bob@example.test\r\n", open.send("VRFY bob\r\n"));
        assertEquals(1, open.protocol.session().errorCount());

        Dialog closed = dialog(LOOPBACK, Map.of("smtp.vrfy", "nobody", "smtp.expn", "nobody"));
        closed.each("EHLO c.test");
        assertTrue(closed.send("VRFY bob\r\n").startsWith("252 2.5.1 "));
        assertTrue(closed.send("EXPN team\r\n").startsWith("502 5.5.1 "));
    }

    @Test
    void tooManyErrorsCloseTheSessionAndSlowDownPastHalf() {
        SmtpContext ctx = new SmtpContext(SmtpSettings.from(io.mailserver.config.ServerConfig.fromMap(
                Map.of("server.hostname", "mx.example.test", "limits.errors", "6"))), store, Dialog.CLOCK);
        Dialog d = new Dialog(ctx, STRANGER, ListenerProfile.MX);
        for (int i = 1; i <= 5; i++) {
            assertEquals("500 5.5.2 Error: command not recognized\r\n", d.send("JUNK\r\n"));
            assertEquals(i > 3 ? java.time.Duration.ofSeconds(1) : java.time.Duration.ZERO, d.last().delay(), "error " + i);
        }
        assertEquals("500 5.5.2 Error: command not recognized\r\n421 4.7.0 mx.example.test Error: too many errors\r\n", d.send("JUNK\r\n"));
        assertTrue(d.closed);
    }

    @Test
    void successfulDeliveryResetsTheErrorCount() {
        Dialog d = greeted(STRANGER);
        d.each("JUNK", "MAIL FROM:<a@far.test>", "RCPT TO:<bob@example.test>", "DATA");
        assertEquals(1, d.protocol.session().errorCount());
        d.send("x\r\n.\r\n");
        assertEquals(0, d.protocol.session().errorCount());
    }

    @Test
    void mailLoopIsRefused() {
        Dialog d = dialog(STRANGER, Map.of("smtp.max-received-headers", "3"));
        d.each("EHLO c.test", "MAIL FROM:<a@far.test>", "RCPT TO:<bob@example.test>", "DATA");
        assertTrue(d.send("Received: a\r\nreceived : b\r\nRECEIVED:c\r\nSubject: x\r\n\r\nReceived: in body\r\n.\r\n").startsWith("250 "));
        d.each("MAIL FROM:<a@far.test>", "RCPT TO:<bob@example.test>", "DATA");
        assertEquals("554 5.4.6 Error: too many Received headers, mail loop\r\n",
                d.send("Received: a\r\nReceived: b\r\nReceived: c\r\nReceived: d\r\n\r\nbody\r\n.\r\n"));
        assertEquals(1, store.committed.size());
    }

    @Test
    void contentRulesMatchUnfoldedHeadersAndBodyLines() {
        Map<String, String> cfg = Map.of("content.reject-pattern", "(?i)buy cheap pills");
        Dialog d = dialog(STRANGER, cfg);
        d.each("EHLO c.test", "MAIL FROM:<a@far.test>", "RCPT TO:<bob@example.test>", "DATA");
        assertEquals("554 5.7.1 Error: message content rejected\r\n", d.send("Subject: Buy cheap\r\n pills\r\n\r\nhello\r\n.\r\n"));
        d.each("MAIL FROM:<a@far.test>", "RCPT TO:<bob@example.test>", "DATA");
        assertEquals("554 5.7.1 Error: message content rejected\r\n", d.send("Subject: hi\r\n\r\nplease BUY CHEAP PILLS now\r\n.\r\n"));
        d.each("MAIL FROM:<a@far.test>", "RCPT TO:<bob@example.test>", "DATA");
        assertTrue(d.send("Subject: hi\r\n\r\nbuy cheap\r\npills\r\n.\r\n").startsWith("250 "));
        assertEquals(1, store.committed.size());
    }

    @Test
    void longDataLinesPerConfiguration() {
        String line = "x".repeat(1500) + "\r\n";
        Dialog accept = greeted(STRANGER);
        accept.each("MAIL FROM:<a@far.test>", "RCPT TO:<bob@example.test>", "DATA");
        assertTrue(accept.send(line + ".\r\n").startsWith("250 "));
        assertTrue(store.committed.get(0).text().endsWith(line));

        Dialog reject = dialog(STRANGER, Map.of("smtp.long-data-lines", "reject"));
        reject.each("EHLO c.test", "MAIL FROM:<a@far.test>", "RCPT TO:<bob@example.test>", "DATA");
        assertEquals("554 5.6.0 Error: message has a line longer than 998 octets\r\n", reject.send(line + ".\r\n"));
        reject.each("MAIL FROM:<a@far.test>", "RCPT TO:<bob@example.test>", "DATA");
        assertTrue(reject.send("y".repeat(998) + "\r\n.\r\n").startsWith("250 "));
    }

    /** SMTP smuggling: only CRLF.CRLF ends DATA; the hidden second message stays text (or the whole is refused). */
    @Test
    void smugglingVariantsNeverEndData() {
        String[] terminators = {"\n.\n", "\r.\n", "\n.\r\n", "\r\n.\n", "\r.\r", "\n.\r", "\r\n.\r", "\r.\r\n"};
        for (String fake : terminators) {
            for (String mode : List.of("reject", "normalize")) {
                FakeStore s = new FakeStore().domain("example.test");
                s.user("bob@example.test", "");
                s.user("victim@example.test", "");
                Dialog d = new Dialog(s, Map.of("smtp.bare-newline", mode), STRANGER);
                d.each("EHLO c.test", "MAIL FROM:<a@far.test>", "RCPT TO:<bob@example.test>", "DATA");
                String smuggled = "Subject: one\r\n\r\nbody" + fake
                        + "MAIL FROM:<ceo@example.test>\r\nRCPT TO:<victim@example.test>\r\nDATA\r\nSubject: evil\r\n\r\nevil\r\n.\r\n";
                String reply = d.send(smuggled);
                String what = mode + " " + fake.replace("\r", "\\r").replace("\n", "\\n");
                if (mode.equals("reject")) {
                    assertEquals("554 5.5.2 Error: bare <LF> or <CR> in message; lines end with <CR><LF>\r\n", reply, what);
                    assertTrue(s.committed.isEmpty(), what);
                } else {
                    assertTrue(reply.matches("250 2\\.0\\.0 Ok: queued as \\w+\r\n"), what + ": " + reply);
                    assertEquals(1, s.committed.size(), what);
                    String text = s.committed.get(0).text();
                    assertTrue(text.contains("MAIL FROM:<ceo@example.test>\r\n"), what);
                    assertFalse(text.replace("\r\n", "").contains("\r") || text.replace("\r\n", "").contains("\n"), what);
                }
                assertFalse(d.protocol.inData(), what);
            }
        }
    }

    @Test
    void storeFailuresAnswer451AndStoreNothing() {
        Dialog d = greeted(STRANGER);
        d.each("MAIL FROM:<a@far.test>", "RCPT TO:<bob@example.test>");
        store.failBegin = true;
        assertEquals("451 4.3.0 Error: temporary local problem, try again later\r\n", d.send("DATA\r\n"));
        store.failBegin = false;
        store.failCommit = true;
        assertEquals("354 End data with <CR><LF>.<CR><LF>\r\n", d.send("DATA\r\n"));
        assertEquals("451 4.3.0 Error: temporary local problem, try again later\r\n", d.send("x\r\n.\r\n"));
        assertTrue(store.committed.isEmpty());
        assertTrue(store.begun.get(0).closed);
    }

    /**
     * Committed but neither durable nor withdrawn: 250 would promise durability and 451 would deny a
     * message that is there, so nothing is answered and the connection closes (docs/store.md).
     */
    @Test
    void aCommitNeitherDurableNorWithdrawnGetsNoReplyAndTheConnectionCloses() {
        Dialog d = greeted(STRANGER);
        d.each("MAIL FROM:<a@far.test>", "RCPT TO:<bob@example.test>", "DATA");
        store.uncertainCommit = true;
        assertEquals("", d.send("x\r\n.\r\n"));
        assertTrue(d.closed);
        assertTrue(d.last().replies().isEmpty());
        assertEquals("", d.send("NOOP\r\n"), "nothing more from a closed session");
        assertEquals(1, store.committed.size(), "the message stays stored: the store could not withdraw it");
    }

    @Test
    void timeoutAndDisconnectDiscardTheMessage() {
        Dialog d = greeted(STRANGER);
        d.each("MAIL FROM:<a@far.test>", "RCPT TO:<bob@example.test>", "DATA");
        d.send("half a message\r\n");
        Outcome o = d.protocol.onTimeout();
        assertEquals("421 4.4.2 mx.example.test Error: timeout exceeded\r\n", o.wire());
        assertTrue(o.close());
        assertTrue(store.begun.get(0).closed);

        Dialog gone = greeted(STRANGER);
        gone.each("MAIL FROM:<a@far.test>", "RCPT TO:<bob@example.test>", "DATA");
        gone.send("half\r\n");
        gone.protocol.onDisconnect();
        assertTrue(store.begun.get(1).closed);
        assertTrue(store.committed.isEmpty());
    }

    @Test
    void pipelinedTransactionIsAnsweredInOrder() {
        Dialog d = greeted(STRANGER);
        String replies = d.send("MAIL FROM:<a@far.test>\r\nRCPT TO:<nobody@example.test>\r\nRCPT TO:<bob@example.test>\r\nDATA\r\n");
        assertEquals("250 2.1.0 Ok\r\n550 5.1.1 <nobody@example.test>: Recipient address rejected: User unknown\r\n"
                + "250 2.1.5 Ok\r\n354 End data with <CR><LF>.<CR><LF>\r\n", replies);
        assertTrue(d.send("x\r\n.\r\nMAIL FROM:<b@far.test>\r\nRSET\r\nQUIT\r\n")
                .matches("250 2\\.0\\.0 Ok: queued as \\w+\r\n250 2\\.1\\.0 Ok\r\n250 2\\.0\\.0 Ok\r\n221 2\\.0\\.0 .*\r\n"));
    }

    @Test
    void contentPipelinedBehindDataEndsTheSession() {
        Dialog d = greeted(STRANGER);
        String replies = d.send("MAIL FROM:<a@far.test>\r\nRCPT TO:<bob@example.test>\r\nDATA\r\nSubject: x\r\n\r\nbody\r\n.\r\n");
        assertEquals("250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n554 5.5.0 Error: SMTP protocol synchronization\r\n", replies);
        assertTrue(d.closed);
        assertTrue(store.committed.isEmpty());
    }

    @Test
    void earlyTalkerIsRefused() {
        Dialog d = dialog(STRANGER);
        Outcome o = d.protocol.onEarlyTalk();
        assertEquals("554 5.5.0 Error: SMTP protocol synchronization\r\n", o.wire());
        assertTrue(o.close());
    }

    @Test
    void shutdownLetsDataFinishThenCloses() {
        Dialog idle = greeted(STRANGER);
        assertEquals("421 4.3.2 mx.example.test Service shutting down, closing connection\r\n", idle.protocol.onShutdown().wire());

        Dialog busy = greeted(STRANGER);
        busy.each("MAIL FROM:<a@far.test>", "RCPT TO:<bob@example.test>", "DATA");
        busy.context.beginShutdown();
        assertEquals(Outcome.NOTHING, busy.protocol.onShutdown());
        String reply = busy.send("x\r\n.\r\n");
        assertTrue(reply.matches("250 2\\.0\\.0 Ok: queued as \\w+\r\n421 4\\.3\\.2 .*\r\n"), reply);
        assertTrue(busy.last().close());
        assertEquals(1, store.committed.size());
    }

    @Test
    void sessionSummaryCountsCommandsPostfixStyle() {
        Dialog d = dialog(STRANGER);
        d.each("EHLO c.test", "MAIL FROM:<a@far.test>", "RCPT TO:<bob@example.test>", "RCPT TO:<x@far.test>", "DATA");
        d.send("x\r\n.\r\n");
        d.each("QUIT");
        assertEquals("ehlo=1 mail=1 rcpt=1/2 data=1 quit=1 commands=5/6", d.protocol.session().commandSummary());
    }

    @Test
    void everyStageTurnsItsCheckResultIntoTheReply() {
        SmtpSettings settings = SmtpSettings.from(io.mailserver.config.ServerConfig.fromMap(Map.of("server.hostname", "mx.example.test")))
                .withErrorDelay(java.time.Duration.ZERO);
        MailCheck sender = (session, from, params) -> from.envelopeAddress().endsWith("@bad.test")
                ? CheckResult.reject(550, "5.7.27", "Sender domain has null MX")
                : from.envelopeAddress().endsWith("@slow.test") ? CheckResult.tempFail(451, "4.4.3", "Try again")
                : from.envelopeAddress().endsWith("@evil.test") ? CheckResult.disconnect(554, "5.7.1", "Go away")
                : CheckResult.accept();
        HeloCheck helo = session -> session.helo().equals("liar.test") ? CheckResult.reject(550, "5.7.1", "Not you") : CheckResult.accept();
        DataCheck stamp = (session, tx) -> new MessageScan() {
            @Override
            public CheckResult end() {
                return CheckResult.acceptWithHeader("X-Checked: yes");
            }
        };
        InboundChecks checks = InboundChecks.standard(settings, store, java.util.Optional.empty()).with(sender, helo, stamp);
        Dialog d = new Dialog(new SmtpContext(settings, store, Dialog.CLOCK, checks), STRANGER, ListenerProfile.MX);
        assertEquals("550 5.7.1 Not you\r\n", d.send("EHLO liar.test\r\n"));
        assertEquals("503 5.5.1 Error: send HELO/EHLO first\r\n", d.send("MAIL FROM:<x@good.test>\r\n"));
        d.each("EHLO c.test");
        assertEquals("550 5.7.27 Sender domain has null MX\r\n", d.send("MAIL FROM:<x@bad.test>\r\n"));
        assertEquals("451 4.4.3 Try again\r\n", d.send("MAIL FROM:<x@slow.test>\r\n"));
        d.each("MAIL FROM:<x@good.test>", "RCPT TO:<bob@example.test>", "DATA");
        assertTrue(d.send("Subject: s\r\n\r\nbody\r\n.\r\n").startsWith("250 "));
        String stored = new String(store.committed.get(0).content(), java.nio.charset.StandardCharsets.UTF_8);
        assertTrue(stored.startsWith("X-Checked: yes\r\nReceived: from c.test"), stored);
        assertEquals("554 5.7.1 Go away\r\n", d.send("MAIL FROM:<x@evil.test>\r\n"));
        assertTrue(d.closed);
    }

    @Test
    void submissionProfileNeedsAuthForMail() {
        SmtpContext ctx = new SmtpContext(SmtpSettings.from(io.mailserver.config.ServerConfig.fromMap(
                Map.of("server.hostname", "mx.example.test"))), store, Dialog.CLOCK);
        Dialog d = new Dialog(ctx, LOOPBACK, ListenerProfile.SUBMISSION);
        d.each("EHLO c.test");
        assertEquals("530 5.7.0 Authentication required\r\n", d.send("MAIL FROM:<alice@example.test>\r\n"));
        d.protocol.session().setAuthenticatedUser("alice@example.test");
        assertEquals("250 2.1.0 Ok\r\n", d.send("MAIL FROM:<alice@example.test>\r\n"));
    }

    @Test
    void eightBitAndNulInDataArePassedThrough() {
        Dialog d = greeted(STRANGER);
        d.each("MAIL FROM:<a@far.test> BODY=8BITMIME", "RCPT TO:<bob@example.test>", "DATA");
        byte[] body = "Subject: caf\u00e9\r\n\r\n\u00e9t\u00e9 \u2603\r\n.\r\n".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        assertTrue(d.send(body).startsWith("250 "));
        byte[] stored = store.committed.get(0).content();
        String tail = new String(stored, java.nio.charset.StandardCharsets.UTF_8);
        assertTrue(tail.endsWith("Subject: caf\u00e9\r\n\r\n\u00e9t\u00e9 \u2603\r\n"), tail);
    }
}
