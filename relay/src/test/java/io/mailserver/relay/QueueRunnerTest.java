package io.mailserver.relay;

import static io.mailserver.relay.testing.Queueing.await;
import static io.mailserver.relay.testing.Queueing.enqueue;
import static io.mailserver.relay.testing.Queueing.message;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mailserver.config.ServerConfig;
import io.mailserver.relay.client.SmtpTimeouts;
import io.mailserver.relay.testing.PeerSmtpServer;
import io.mailserver.mailauth.dns.StaticDns;
import io.mailserver.store.MaildropEntry;
import io.mailserver.store.NotFoundException;
import io.mailserver.store.QueueEntry;
import io.mailserver.store.User;
import io.mailserver.testkit.TempStore;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The queue runner over a real H2 store and a scripted peer on 127.0.0.1, routed by relay.routes. */
@Timeout(60)
class QueueRunnerTest {
    private TempStore ts;
    private PeerSmtpServer peer;
    private OutboundService service;
    private User alice;

    @BeforeEach
    void setUp() throws Exception {
        ts = TempStore.create();
        alice = ts.addUser("alice@local.test", "pw");
        peer = new PeerSmtpServer();
    }

    @AfterEach
    void tearDown() throws Exception {
        if (service != null) {
            service.stop(Duration.ofSeconds(2));
        }
        peer.close();
        ts.close();
    }

    private ServerConfig config(Map<String, String> extra) {
        Map<String, String> m = new HashMap<>();
        m.put("server.hostname", "mx.local.test");
        m.put("relay.routes", "remote.test -> [127.0.0.1]:" + peer.port());
        m.put("relay.retry-initial", "1s");
        m.put("relay.retry-max", "2s");
        m.put("relay.poll-interval", "100ms");
        m.putAll(extra);
        return ts.config().with(m);
    }

    private void start(Map<String, String> extra) {
        service = OutboundService.start(config(extra), ts.store(), OutboundService.Options.defaults().withDns(new StaticDns())
                .withTimeouts(SmtpTimeouts.uniform(Duration.ofSeconds(2), Duration.ofSeconds(3))));
    }

    private List<QueueEntry> rows() {
        return ts.store().queue().list();
    }

    private QueueEntry row(String recipient) {
        return rows().stream().filter(r -> r.recipient().equals(recipient)).findFirst().orElseThrow();
    }

    private List<String> mailboxOf(User u) throws Exception {
        List<String> out = new ArrayList<>();
        for (MaildropEntry e : ts.store().maildrops().snapshot(u.id())) {
            try (InputStream in = ts.store().maildrops().open(u.id(), e.uid())) {
                out.add(new String(in.readAllBytes(), StandardCharsets.ISO_8859_1));
            }
        }
        return out;
    }

    @Test
    void deliversSeveralRecipientsInOneTransaction() throws Exception {
        start(Map.of());
        enqueue(ts.store(), "alice@local.test", "Q1", message("one"), "x@remote.test", "y@remote.test");
        service.wakeUp();
        await(Duration.ofSeconds(10), "both delivered", () -> rows().stream().allMatch(r -> r.state() == QueueEntry.State.DELIVERED));
        assertEquals(1, peer.messages.size());
        PeerSmtpServer.Received m = peer.messages.get(0);
        assertEquals("alice@local.test", m.sender());
        assertEquals(List.of("x@remote.test", "y@remote.test"), m.recipients());
        assertEquals(message("one"), m.text());
        assertEquals("250 2.0.0 Ok: queued", row("x@remote.test").lastReply());
        assertEquals(1, row("x@remote.test").attempts());
    }

    @Test
    void tempFailureIsRetriedWithBackoff() throws Exception {
        AtomicInteger tries = new AtomicInteger();
        List<Instant> when = new ArrayList<>();
        peer.dataReply = m -> {
            when.add(Instant.now());
            return tries.incrementAndGet() < 3 ? "451 4.3.0 Try again later" : "250 2.0.0 Ok";
        };
        start(Map.of());
        enqueue(ts.store(), "alice@local.test", "Q2", message("retry"), "x@remote.test");
        service.wakeUp();
        await(Duration.ofSeconds(5), "first deferral", () -> row("x@remote.test").state() == QueueEntry.State.DEFERRED);
        QueueEntry deferred = row("x@remote.test");
        assertEquals(1, deferred.attempts());
        assertEquals("451 4.3.0 Try again later", deferred.lastReply());
        await(Duration.ofSeconds(15), "delivered on the third attempt", () -> row("x@remote.test").state() == QueueEntry.State.DELIVERED);
        assertEquals(3, row("x@remote.test").attempts());
        // backoff 1s then 2s (relay.retry-initial 1s, doubling, relay.retry-max 2s)
        assertTrue(Duration.between(when.get(0), when.get(1)).toMillis() >= 900, when.toString());
        assertTrue(Duration.between(when.get(1), when.get(2)).toMillis() >= 1900, when.toString());
        assertTrue(mailboxOf(alice).isEmpty(), "no notice for a delivered message");
    }

    @Test
    void droppedConnectionIsRetried() throws Exception {
        AtomicInteger tries = new AtomicInteger();
        peer.dataReply = m -> tries.incrementAndGet() == 1 ? PeerSmtpServer.DROP : "250 2.0.0 Ok";
        start(Map.of());
        enqueue(ts.store(), "alice@local.test", "Q3", message("drop"), "x@remote.test");
        service.wakeUp();
        await(Duration.ofSeconds(10), "delivered after the drop", () -> row("x@remote.test").state() == QueueEntry.State.DELIVERED);
        assertEquals(2, row("x@remote.test").attempts());
        assertEquals(1, peer.messages.size());
    }

    @Test
    void permanentFailureBouncesToTheLocalSenderWithTheRemoteReply() throws Exception {
        peer.rcptReply = r -> r.startsWith("gone") ? "550 5.1.1 <gone@remote.test>: Recipient address rejected: User unknown" : "250 2.1.5 Ok";
        start(Map.of());
        enqueue(ts.store(), "alice@local.test", "Q4", message("bounce me"), "gone@remote.test", "fine@remote.test");
        service.wakeUp();
        await(Duration.ofSeconds(10), "outcomes", () -> row("gone@remote.test").state() == QueueEntry.State.FAILED
                && row("fine@remote.test").state() == QueueEntry.State.DELIVERED);
        await(Duration.ofSeconds(5), "bounce in alice's mailbox", () -> {
            try {
                return mailboxOf(alice).size() == 1;
            } catch (Exception e) {
                return false;
            }
        });
        String dsn = mailboxOf(alice).get(0);
        assertTrue(dsn.startsWith("Return-Path: <>\r\n"), dsn);
        assertTrue(dsn.contains("From: Mail Delivery System <MAILER-DAEMON@mx.local.test>\r\n"));
        assertTrue(dsn.contains("Content-Type: multipart/report; report-type=delivery-status;"));
        assertTrue(dsn.contains("Final-Recipient: rfc822; gone@remote.test\r\nAction: failed\r\nStatus: 5.1.1\r\nRemote-MTA: dns; 127.0.0.1\r\n"), dsn);
        assertTrue(dsn.contains("Diagnostic-Code: smtp; 550 5.1.1 <gone@remote.test>: Recipient address\r\n rejected: User unknown\r\n"), dsn);
        assertTrue(dsn.contains("Subject: bounce me\r\n"), "original headers included");
        assertFalse(dsn.contains("fine@remote.test>: "), "the delivered recipient is not reported");
        assertFalse(dsn.contains("Hello."), "the body is not returned");
        assertEquals(1, row("gone@remote.test").attempts());
    }

    /** queue.history-retention 0: finished rows go at the next purge (every poll interval), content with them, the bounce first. */
    @Test
    void finishedRowsArePurgedWithTheirContentOnceTheRetentionIsOver() throws Exception {
        peer.rcptReply = r -> r.startsWith("gone") ? "550 5.1.1 no such user" : "250 2.1.5 Ok";
        start(Map.of("queue.history-retention", "0"));
        long message = enqueue(ts.store(), "alice@local.test", "QP", message("purge me"), "gone@remote.test", "fine@remote.test");
        service.wakeUp();
        await(Duration.ofSeconds(10), "both rows purged", () -> rows().isEmpty());
        // the content goes right after the rows' transaction, in transactions of its own
        await(Duration.ofSeconds(5), "content reclaimed", () -> {
            try {
                ts.store().queue().openContent(message).close();
                return false;
            } catch (NotFoundException e) {
                return true;
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        assertEquals(1, peer.messages.size());
        List<String> box = mailboxOf(alice);
        assertEquals(1, box.size(), "the bounce was stored before its row was marked and purged");
        assertTrue(box.get(0).contains("Subject: purge me\r\n"), "with the original headers");
    }

    @Test
    void finishedRowsStayForTheRetention() throws Exception {
        start(Map.of("queue.history-retention", "1h"));
        enqueue(ts.store(), "alice@local.test", "QK", message("keep me"), "x@remote.test");
        service.wakeUp();
        await(Duration.ofSeconds(10), "delivered", () -> row("x@remote.test").state() == QueueEntry.State.DELIVERED);
        assertEquals(Duration.ofHours(1), service.runner().purgeInterval());
        service.stop(Duration.ofSeconds(2));
        service = null;
        start(Map.of("queue.history-retention", "1h"));  // purges at start: the row is younger than the retention
        Thread.sleep(500);
        assertEquals(QueueEntry.State.DELIVERED, row("x@remote.test").state());
    }

    @Test
    void noBounceForANullSender() throws Exception {
        peer.rcptReply = r -> "550 5.1.1 no such user";
        start(Map.of());
        enqueue(ts.store(), "", "Q5", message("a bounce"), "gone@remote.test");
        service.wakeUp();
        await(Duration.ofSeconds(10), "failed", () -> row("gone@remote.test").state() == QueueEntry.State.FAILED);
        Thread.sleep(300);
        assertEquals(1, rows().size(), "no notification queued");
        assertTrue(mailboxOf(alice).isEmpty());
    }

    @Test
    void remoteSenderGetsTheBounceThroughTheQueue() throws Exception {
        peer.rcptReply = r -> r.startsWith("gone") ? "554 5.7.1 refused" : "250 2.1.5 Ok";
        start(Map.of());
        enqueue(ts.store(), "bob@remote.test", "Q6", message("from afar"), "gone@remote.test");
        service.wakeUp();
        await(Duration.ofSeconds(10), "bounce delivered to bob", () -> peer.messages.stream().anyMatch(m -> m.recipients().equals(List.of("bob@remote.test"))));
        PeerSmtpServer.Received bounce = peer.messages.get(0);
        assertEquals("", bounce.sender(), "a bounce is sent from the null sender");
        assertTrue(bounce.text().contains("Diagnostic-Code: smtp; 554 5.7.1 refused"));
    }

    @Test
    void lifetimeOverBouncesWithTheLastReply() throws Exception {
        peer.dataReply = m -> "451 4.7.1 Greylisted, try again";
        start(Map.of("relay.lifetime", "2s"));
        enqueue(ts.store(), "alice@local.test", "Q7", message("expire"), "x@remote.test");
        service.wakeUp();
        await(Duration.ofSeconds(15), "given up", () -> row("x@remote.test").state() == QueueEntry.State.FAILED);
        await(Duration.ofSeconds(5), "bounce", () -> {
            try {
                return mailboxOf(alice).size() == 1;
            } catch (Exception e) {
                return false;
            }
        });
        String dsn = mailboxOf(alice).get(0);
        assertTrue(dsn.contains("Action: failed\r\nStatus: 4.7.1\r\nRemote-MTA: dns; 127.0.0.1\r\nDiagnostic-Code: smtp; 451 4.7.1 Greylisted, try again\r\n"), dsn);
        assertTrue(dsn.contains("<x@remote.test>: message could not be delivered for 2s; last reply: host\r\n 127.0.0.1 said: 451 4.7.1 Greylisted, try again"), dsn);
        assertTrue(row("x@remote.test").attempts() >= 2);
    }

    @Test
    void delayNoticeIsSentOnce() throws Exception {
        peer.dataReply = m -> "451 4.3.0 Later";
        start(Map.of("relay.delay-warning", "1s", "relay.lifetime", "1h"));
        enqueue(ts.store(), "alice@local.test", "Q8", message("slow"), "x@remote.test");
        service.wakeUp();
        await(Duration.ofSeconds(15), "three attempts", () -> row("x@remote.test").attempts() >= 4);
        List<String> box = mailboxOf(alice);
        assertEquals(1, box.size(), "exactly one delay notice");
        assertTrue(box.get(0).contains("Subject: Delayed Mail (still being retried)"));
        assertTrue(box.get(0).contains("Action: delayed\r\nStatus: 4.3.0\r\n"));
        assertTrue(box.get(0).contains("Will-Retry-Until: "));
        assertEquals(QueueEntry.State.DEFERRED, row("x@remote.test").state());
    }

    @Test
    void unreachableRouteDefersWithTheConnectError() throws Exception {
        int deadPort = 1; // nothing listens; outside the ephemeral range (no self-connect)
        start(Map.of("relay.routes", "remote.test -> [127.0.0.1]:" + deadPort));
        enqueue(ts.store(), "alice@local.test", "Q9", message("nowhere"), "x@remote.test");
        service.wakeUp();
        await(Duration.ofSeconds(10), "deferred", () -> row("x@remote.test").state() == QueueEntry.State.DEFERRED);
        assertTrue(row("x@remote.test").lastReply().startsWith("connect to 127.0.0.1[127.0.0.1]:" + deadPort + ": "), row("x@remote.test").lastReply());
    }

    @Test
    void retryNowAndDeleteWhileQueued() throws Exception {
        peer.dataReply = m -> "451 4.3.0 Later";
        start(Map.of("relay.retry-initial", "1h", "relay.retry-max", "1h"));
        enqueue(ts.store(), "alice@local.test", "Q10", message("manual"), "x@remote.test");
        service.wakeUp();
        await(Duration.ofSeconds(10), "deferred", () -> row("x@remote.test").state() == QueueEntry.State.DEFERRED);
        assertTrue(row("x@remote.test").nextAttemptAt().isAfter(Instant.now().plusSeconds(3000)));
        peer.dataReply = m -> "250 2.0.0 Ok";
        assertEquals(1, ts.store().queue().retryNow(java.util.Optional.empty()));
        service.wakeUp();
        await(Duration.ofSeconds(10), "delivered after retry now", () -> row("x@remote.test").state() == QueueEntry.State.DELIVERED);
    }

    @Test
    void slowDestinationDoesNotHoldUpOthers() throws Exception {
        try (PeerSmtpServer slow = new PeerSmtpServer()) {
            slow.dataReply = m -> PeerSmtpServer.STALL;
            service = OutboundService.start(config(Map.of("relay.routes", "remote.test -> [127.0.0.1]:" + peer.port() + ", slow.test -> [127.0.0.1]:" + slow.port(),
                    "relay.concurrency", "4", "relay.concurrency-per-destination", "2")), ts.store(),
                    OutboundService.Options.defaults().withDns(new StaticDns()).withTimeouts(SmtpTimeouts.uniform(Duration.ofSeconds(2), Duration.ofSeconds(30))));
            for (int i = 0; i < 10; i++) {
                enqueue(ts.store(), "alice@local.test", "S" + i, message("slow " + i), "x" + i + "@slow.test");
            }
            for (int i = 0; i < 10; i++) {
                enqueue(ts.store(), "alice@local.test", "F" + i, message("fast " + i), "x" + i + "@remote.test");
            }
            service.wakeUp();
            await(Duration.ofSeconds(10), "every fast one delivered", () -> peer.messages.size() == 10);
            assertEquals(2, slow.connections(), "at most relay.concurrency-per-destination connections to the slow one");
            assertTrue(slow.dataEnds.get() <= 2);
        }
    }
}
