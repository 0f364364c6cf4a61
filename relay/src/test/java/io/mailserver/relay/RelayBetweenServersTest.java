package io.mailserver.relay;

import static io.mailserver.relay.testing.Queueing.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mailserver.config.ServerConfig;
import io.mailserver.mta.SmtpService;
import io.mailserver.mta.smtp.SmtpContext;
import io.mailserver.mta.smtp.SmtpSettings;
import io.mailserver.mta.smtp.check.InboundChecks;
import io.mailserver.relay.client.ClientTls;
import io.mailserver.relay.client.Envelope;
import io.mailserver.relay.client.MessageContent;
import io.mailserver.relay.client.RecipientOutcome;
import io.mailserver.relay.client.SmtpClientSession;
import io.mailserver.relay.client.SmtpTimeouts;
import io.mailserver.mailauth.dns.StaticDns;
import io.mailserver.store.MaildropEntry;
import io.mailserver.store.QueueEntry;
import io.mailserver.store.User;
import io.mailserver.testkit.TempStore;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Two whole servers in this JVM, each with its own store: A (a.test) relays to B (b.test) through
 * a configured route. A client submits to A from a trusted address; B receives from A as from any
 * untrusted MTA (its trusted network excludes loopback), so B's sender domain check applies.
 */
@Timeout(60)
class RelayBetweenServersTest {
    private static final SmtpTimeouts FAST = SmtpTimeouts.uniform(Duration.ofSeconds(2), Duration.ofSeconds(10));

    private TempStore storeA;
    private TempStore storeB;
    private SmtpService smtpA;
    private SmtpService smtpB;
    private OutboundService outA;
    private OutboundService outB;
    private User alice;
    private User bob;

    @BeforeEach
    void start() throws Exception {
        storeA = TempStore.create();
        storeB = TempStore.create();
        alice = storeA.addUser("alice@a.test", "pw");
        bob = storeB.addUser("bob@b.test", "pw");
        // A's resolver knows a.test's address so that B accepts mail from it; nowhere.test does not exist
        StaticDns dns = new StaticDns().mx("a.test", 10, "mx.a.test").a("mx.a.test", "127.0.0.1");

        Map<String, String> b = new HashMap<>();
        b.put("server.hostname", "mx.b.test");
        b.put("smtp.listen", "127.0.0.1:0");
        b.put("network.trusted", "192.0.2.0/24"); // loopback is an ordinary untrusted client here
        b.put("relay.poll-interval", "100ms");
        b.put("smtp.check-sender-domain", "true");
        ServerConfig configB = storeB.config().with(b);
        outB = OutboundService.start(configB, storeB.store(), OutboundService.Options.defaults().withDns(dns).withTimeouts(FAST));
        // as the launcher does: B's inbound checks ask the outbound side's resolver (smtp.check-sender-domain)
        SmtpSettings settingsB = SmtpSettings.from(configB);
        smtpB = SmtpService.start(configB, new SmtpContext(settingsB, storeB.store(), Clock.systemDefaultZone(),
                InboundChecks.standard(settingsB, storeB.store(), Optional.of(outB.dns()))));
        smtpB.context().addRemoteQueuedListener(outB::wakeUp);

        Map<String, String> a = new HashMap<>();
        a.put("server.hostname", "mx.a.test");
        a.put("smtp.listen", "127.0.0.1:0");
        a.put("relay.routes", "b.test -> [127.0.0.1]:" + smtpB.port());
        a.put("relay.poll-interval", "10s"); // only SMTP's wake-up can make the relay quick
        ServerConfig configA = storeA.config().with(a);
        smtpA = SmtpService.start(configA, storeA.store());
        outA = OutboundService.start(configA, storeA.store(), OutboundService.Options.defaults().withDns(dns).withTimeouts(FAST));
        smtpA.context().addRemoteQueuedListener(outA::wakeUp);
    }

    @AfterEach
    void stop() {
        for (Runnable r : new Runnable[] {() -> outA.stop(Duration.ofSeconds(2)), () -> outB.stop(Duration.ofSeconds(2)),
                () -> smtpA.shutdown(Duration.ofSeconds(1)), () -> smtpB.shutdown(Duration.ofSeconds(1)), storeA::close, storeB::close}) {
            try {
                r.run();
            } catch (RuntimeException ignored) {
                // tear down the rest anyway
            }
        }
    }

    private List<RecipientOutcome> submit(int port, String from, String... to) throws Exception {
        byte[] msg = ("From: <" + from + ">\r\nTo: <" + to[0] + ">\r\nSubject: across\r\n\r\nHello B.\r\n.dot line\r\n").getBytes(StandardCharsets.US_ASCII);
        try (SmtpClientSession s = SmtpClientSession.open(new io.mailserver.relay.Hop("localhost", InetAddress.getLoopbackAddress(), port),
                "client.test", FAST, ClientTls.defaults(), RelayTlsPolicy.NONE, false, Optional.empty())) {
            return s.send(new Envelope(from, List.of(to), MessageContent.scan(() -> new ByteArrayInputStream(msg))));
        }
    }

    private List<String> mailbox(TempStore ts, User u) throws Exception {
        List<String> out = new ArrayList<>();
        for (MaildropEntry e : ts.store().maildrops().snapshot(u.id())) {
            try (InputStream in = ts.store().maildrops().open(u.id(), e.uid())) {
                out.add(new String(in.readAllBytes(), StandardCharsets.ISO_8859_1));
            }
        }
        return out;
    }

    @Test
    void mailRelaysFromAToBAtOnce() throws Exception {
        long t0 = System.nanoTime();
        assertEquals(RecipientOutcome.Result.DELIVERED, submit(smtpA.port(), "alice@a.test", "bob@b.test").get(0).result());
        await(Duration.ofSeconds(8), "bob has it", () -> {
            try {
                return mailbox(storeB, bob).size() == 1;
            } catch (Exception e) {
                return false;
            }
        });
        assertTrue((System.nanoTime() - t0) / 1_000_000 < 8_000, "woken by SMTP, not by the 10 s poll");
        String m = mailbox(storeB, bob).get(0);
        assertTrue(m.startsWith("Return-Path: <alice@a.test>\r\n"), m);
        assertTrue(m.contains("by mx.b.test"), "B's Received header");
        assertTrue(m.contains("by mx.a.test"), "A's Received header");
        assertTrue(m.endsWith("Hello B.\r\n.dot line\r\n"), m);
        await(Duration.ofSeconds(5), "A marks it delivered", () -> storeA.store().queue().list().get(0).state() == QueueEntry.State.DELIVERED);
        QueueEntry row = storeA.store().queue().list().get(0);
        assertTrue(row.lastReply().startsWith("250 2.0.0"), row.lastReply());
    }

    @Test
    void unknownUserAtBBouncesToAlice() throws Exception {
        assertEquals(RecipientOutcome.Result.DELIVERED, submit(smtpA.port(), "alice@a.test", "nobody@b.test").get(0).result());
        await(Duration.ofSeconds(8), "alice has the bounce", () -> {
            try {
                return mailbox(storeA, alice).size() == 1;
            } catch (Exception e) {
                return false;
            }
        });
        String dsn = mailbox(storeA, alice).get(0);
        assertTrue(dsn.startsWith("Return-Path: <>\r\n"), dsn);
        assertTrue(dsn.contains("Final-Recipient: rfc822; nobody@b.test\r\nAction: failed\r\nStatus: 5.1.1\r\n"), dsn);
        assertTrue(dsn.contains("Diagnostic-Code: smtp; 550 5.1.1"), dsn);
        assertTrue(dsn.contains("Subject: across\r\n"), dsn);
    }

    @Test
    void senderDomainCheckAtB() throws Exception {
        List<RecipientOutcome> out = submit(smtpB.port(), "someone@nowhere.test", "bob@b.test");
        assertEquals(RecipientOutcome.Result.FAILED, out.get(0).result());
        assertEquals("553 5.1.8 <someone@nowhere.test>: Sender address rejected: Domain not found", out.get(0).reply());
        // the null sender is never checked
        assertEquals(RecipientOutcome.Result.DELIVERED, submit(smtpB.port(), "", "bob@b.test").get(0).result());
        assertFalse(mailbox(storeB, bob).isEmpty());
        // A's clients are trusted (loopback): no check there
        assertEquals(RecipientOutcome.Result.DELIVERED, submit(smtpA.port(), "someone@nowhere.test", "alice@a.test").get(0).result());
    }
}
