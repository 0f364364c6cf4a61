package io.mailserver.mta;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The open-relay table against the real store, from a client outside the trusted networks:
 * every trick is refused at RCPT, or accepted only where it names a real local mailbox; afterwards the
 * outbound queue is empty and only alice (named by the accepted forms) got mail.
 */
@Timeout(60)
class OpenRelayTest {
    static Map<String, String> table() {
        Map<String, String> t = new LinkedHashMap<>();
        t.put("<user@remote.test>", "554 5.7.1");
        t.put("<user%remote.test@example.test>", "550 5.1.1");
        t.put("<remote.test!user@example.test>", "550 5.1.1");
        t.put("<\"user@remote.test\"@example.test>", "550 5.1.1");
        t.put("<\"user%remote.test\"@example.test>", "550 5.1.1");
        t.put("<@example.test:user@remote.test>", "554 5.7.1");
        t.put("<@example.test,@example.test:user@remote.test>", "554 5.7.1");
        t.put("<user@remote.test@example.test>", "501 5.1.3");
        t.put("<user@[127.0.0.1]>", "554 5.7.1");
        t.put("<user@[IPv6:::1]>", "554 5.7.1");
        t.put("<postmaster@[127.0.0.1]>", "554 5.7.1");
        t.put("<user@remote.test >", "501 5.1.3");
        t.put("< user@remote.test>", "501 5.1.3");
        t.put("<user@remote.test.>", "554 5.7.1");
        t.put("<user@remote.test..>", "501 5.1.3");
        t.put("<user@example.test..>", "501 5.1.3");
        t.put("<user@REMOTE.TEST>", "554 5.7.1");
        t.put("<user@example.test.remote.test>", "554 5.7.1");
        t.put("<user@sub.example.test>", "554 5.7.1");
        t.put("<user@example.testremote.test>", "554 5.7.1");
        t.put("<alice@example.test.>", "250 2.1.5");
        t.put("<ALICE@EXAMPLE.TEST>", "250 2.1.5");
        t.put("<\"alice\"@example.test>", "250 2.1.5");
        t.put("<@remote.test:alice@example.test>", "250 2.1.5");
        return t;
    }

    @Test
    void strangersCannotRelay() {
        try (SmtpTestServer server = SmtpTestServer.start(Map.of("network.trusted", "10.9.9.0/24", "limits.errors", "100"));
             RawSmtp c = server.connect()) {
            c.reply();
            c.cmd("EHLO stranger.test");
            assertEquals("250 2.1.0 Ok\r\n", c.cmd("MAIL FROM:<spammer@far.test>"));
            for (Map.Entry<String, String> e : table().entrySet()) {
                String reply = c.cmd("RCPT TO:" + e.getKey());
                assertTrue(reply.startsWith(e.getValue() + " "), e.getKey() + " -> " + reply);
            }
            assertTrue(c.cmd("DATA").startsWith("354 "));
            assertTrue(c.cmd(".").startsWith("250 "));
            assertEquals(0, server.store().queue().list().size(), "nothing queued for outside delivery");
            assertEquals(1, server.maildrop(server.alice).size(), "alice once, however she was named");
            assertEquals(0, server.maildrop(server.bob).size());
        }
    }

    @Test
    void trustedClientsRelay() {
        try (SmtpTestServer server = SmtpTestServer.start(); RawSmtp c = server.connect()) {
            c.reply();
            c.cmd("EHLO trusted.test");
            c.cmd("MAIL FROM:<alice@example.test>");
            assertEquals("250 2.1.5 Ok\r\n", c.cmd("RCPT TO:<user@remote.test>"));
            c.cmd("DATA");
            assertTrue(c.cmd(".").startsWith("250 "));
            assertEquals(1, server.store().queue().list().size());
            assertEquals("user@remote.test", server.store().queue().list().get(0).recipient());
        }
    }
}
