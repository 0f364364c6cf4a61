package io.mailserver.mta;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import io.mailserver.store.MailAddress;
import io.mailserver.store.QueueEntry;
import io.mailserver.store.User;

/** What reaches the store: exact bytes, every recipient's fate, and directory changes without restart. */
@Timeout(60)
class SmtpDeliveryTest {

    static final Pattern RECEIVED = Pattern.compile(
            "Return-Path: <sender@far\\.test>\r\nReceived: from client\\.test \\(\\[127\\.0\\.0\\.1\\]\\)\r\n\tby mx\\.example\\.test with ESMTP id (\\w+)\r\n"
            + "\tfor <alice@example\\.test>; \\w{3}, \\d{1,2} \\w{3} \\d{4} \\d\\d:\\d\\d:\\d\\d [+-]\\d{4}\r\n");

    @Test
    void byteExactRoundTrip() throws Exception {
        ByteArrayOutputStream wire = new ByteArrayOutputStream();
        ByteArrayOutputStream expected = new ByteArrayOutputStream();
        String[] lines = {
            "From: sender@far.test",
            "To: alice@example.test",
            "Subject: =?UTF-8?Q?caf=C3=A9?=",
            "Content-Type: text/plain; charset=UTF-8",
            "Content-Transfer-Encoding: 8bit",
            "",
            "..leading dot, stuffed by the client",
            "...two dots",
            ".",                                   // stuffed: the client sends ".." for a lone dot
            "été ☃ 8-bit UTF-8 \u00ff",
            "x".repeat(998),
            "trailing spaces   ",
            "\ttab",
            "",
            "",
            "last line"};
        for (String l : lines) {
            byte[] b = l.getBytes(StandardCharsets.UTF_8);
            byte[] sent = l.startsWith(".") ? ("." + l).getBytes(StandardCharsets.UTF_8) : b;
            wire.write(sent);
            wire.write("\r\n".getBytes(StandardCharsets.US_ASCII));
            expected.write(b);
            expected.write("\r\n".getBytes(StandardCharsets.US_ASCII));
        }
        try (SmtpTestServer server = SmtpTestServer.start(); RawSmtp c = server.connect()) {
            c.reply();
            c.cmd("EHLO client.test");
            assertEquals("250 2.1.0 Ok\r\n", c.cmd("MAIL FROM:<sender@far.test> BODY=8BITMIME SIZE=" + wire.size()));
            assertEquals("250 2.1.5 Ok\r\n", c.cmd("RCPT TO:<alice@example.test>"));
            assertTrue(c.cmd("DATA").startsWith("354 "));
            c.write(wire.toByteArray());
            String reply = c.cmd(".");
            assertTrue(reply.startsWith("250 2.0.0 Ok: queued as "), reply);

            byte[] stored = server.lastMessage(server.alice);
            String text = new String(stored, StandardCharsets.ISO_8859_1);
            Matcher m = RECEIVED.matcher(text);
            assertTrue(m.lookingAt(), text.substring(0, Math.min(300, text.length())));
            assertEquals("250 2.0.0 Ok: queued as " + m.group(1) + "\r\n", reply);
            byte[] body = new byte[stored.length - m.end()];
            System.arraycopy(stored, m.end(), body, 0, body.length);
            assertArrayEquals(expected.toByteArray(), body);
            assertEquals(stored.length, server.maildrop(server.alice).get(0).size());
        }
    }

    @Test
    void aliasUserAndRemoteRecipientsInOneTransaction() {
        try (SmtpTestServer server = SmtpTestServer.start(); RawSmtp c = server.connect()) {
            c.reply();
            c.cmd("EHLO client.test");
            c.cmd("MAIL FROM:<sender@example.test>");
            assertEquals("250 2.1.5 Ok\r\n", c.cmd("RCPT TO:<team@example.test>"));
            assertEquals("250 2.1.5 Ok\r\n", c.cmd("RCPT TO:<alice@example.test>"));
            assertEquals("250 2.1.5 Ok\r\n", c.cmd("RCPT TO:<dave@Remote.Test>")); // loopback is trusted: relay
            c.cmd("DATA");
            c.write("Subject: team\r\n\r\nhi\r\n");
            assertTrue(c.cmd(".").startsWith("250 "));
            assertEquals(1, server.maildrop(server.alice).size(), "alice once, though named twice");
            assertEquals(1, server.maildrop(server.bob).size());
            List<QueueEntry> queue = server.store().queue().list();
            assertEquals(List.of("carol@remote.test", "dave@remote.test"), queue.stream().map(QueueEntry::recipient).sorted().toList());
            assertTrue(queue.stream().allMatch(q -> q.sender().equals("sender@example.test")));
            assertEquals(1, queue.stream().map(QueueEntry::messageId).distinct().count(), "content stored once");
        }
    }

    @Test
    void directoryChangesTakeEffectForTheNextRcpt() {
        try (SmtpTestServer server = SmtpTestServer.start(Map.of("network.trusted", "10.9.9.0/24")); RawSmtp c = server.connect()) {
            c.reply();
            c.cmd("EHLO client.test");
            c.cmd("MAIL FROM:<sender@far.test>");
            assertTrue(c.cmd("RCPT TO:<newbie@example.test>").startsWith("550 5.1.1 "));
            assertTrue(c.cmd("RCPT TO:<sales@example.test>").startsWith("550 5.1.1 "));
            // what mailctl does, through the store API, while the server runs
            User newbie = server.store().users().add(MailAddress.parse("newbie@example.test"), "New Bie", "pw".toCharArray());
            server.store().aliases().add(MailAddress.parse("sales@example.test"), List.of(MailAddress.parse("bob@example.test")));
            assertEquals("250 2.1.5 Ok\r\n", c.cmd("RCPT TO:<newbie@example.test>"));
            assertEquals("250 2.1.5 Ok\r\n", c.cmd("RCPT TO:<sales@example.test>"));
            c.cmd("DATA");
            assertTrue(c.cmd(".").startsWith("250 "));
            assertEquals(1, server.maildrop(newbie).size());
            assertEquals(1, server.maildrop(server.bob).size());
            // and removal works the same way
            server.store().users().remove(MailAddress.parse("newbie@example.test"));
            c.cmd("MAIL FROM:<sender@far.test>");
            assertTrue(c.cmd("RCPT TO:<newbie@example.test>").startsWith("550 5.1.1 "));
        }
    }

    @Test
    void postmasterGoesToTheConfiguredAddress() {
        try (SmtpTestServer server = SmtpTestServer.start(Map.of("server.postmaster", "bob@example.test", "network.trusted", "10.9.9.0/24"));
             RawSmtp c = server.connect()) {
            c.reply();
            c.cmd("EHLO client.test");
            c.cmd("MAIL FROM:<>");
            assertEquals("250 2.1.5 Ok\r\n", c.cmd("RCPT TO:<postmaster@other.example>"));
            assertEquals("250 2.1.5 Ok\r\n", c.cmd("RCPT TO:<postmaster>"));
            c.cmd("DATA");
            assertTrue(c.cmd(".").startsWith("250 "));
            assertEquals(1, server.maildrop(server.bob).size());
            assertEquals(0, server.maildrop(server.alice).size());
        }
    }

    @Test
    void manyMessagesInOneSession() {
        try (SmtpTestServer server = SmtpTestServer.start(); RawSmtp c = server.connect()) {
            c.reply();
            c.cmd("EHLO client.test");
            for (int i = 0; i < 5; i++) {
                c.cmd("MAIL FROM:<s@far.test>");
                c.cmd("RCPT TO:<bob@example.test>");
                c.cmd("DATA");
                c.write("Subject: " + i + "\r\n\r\n");
                assertTrue(c.cmd(".").startsWith("250 "));
            }
            assertEquals(5, server.maildrop(server.bob).size());
        }
    }
}
