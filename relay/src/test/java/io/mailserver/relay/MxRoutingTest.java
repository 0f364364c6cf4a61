package io.mailserver.relay;

import static io.mailserver.relay.testing.Queueing.await;
import static io.mailserver.relay.testing.Queueing.enqueue;
import static io.mailserver.relay.testing.Queueing.message;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mailserver.config.ServerConfig;
import io.mailserver.relay.client.SmtpTimeouts;
import io.mailserver.mailauth.dns.DnsjavaResolver;
import io.mailserver.testkit.dns.LoopbackDnsServer;
import io.mailserver.relay.testing.PeerSmtpServer;
import io.mailserver.store.QueueEntry;
import io.mailserver.testkit.TempStore;
import java.net.InetAddress;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * MX routing end to end: dnsjava asks a DNS server on 127.0.0.1 that the test controls; the MX
 * hosts are scripted peers on 127.0.0.1 and 127.0.0.2 (one port, as port 25 would be), and
 * 127.0.0.3 where nothing listens. No packet leaves the machine.
 */
@Timeout(60)
class MxRoutingTest {
    private TempStore ts;
    private LoopbackDnsServer dns;
    private PeerSmtpServer primary;
    private PeerSmtpServer backup;
    private OutboundService service;

    @BeforeEach
    void setUp() throws Exception {
        ts = TempStore.create();
        ts.addUser("alice@local.test", "pw");
        backup = new PeerSmtpServer(InetAddress.getByName("127.0.0.1"));
        primary = new PeerSmtpServer(InetAddress.getByName("127.0.0.2"), backup.port());
        dns = new LoopbackDnsServer();
        dns.a("mx1.example.test", "127.0.0.2").a("mx2.example.test", "127.0.0.1").a("dead.example.test", "127.0.0.3")
                .mx("example.test", 10, "mx1.example.test").mx("example.test", 20, "mx2.example.test")
                .mx("fallback.test", 5, "dead.example.test").mx("fallback.test", 10, "mx2.example.test")
                .a("implicit.test", "127.0.0.1")
                .nullMx("nullmx.test");
        ServerConfig config = ts.config().with(Map.of("server.hostname", "mx.local.test", "relay.poll-interval", "100ms",
                "relay.retry-initial", "1s", "dns.resolver", dns.address().toString()));
        service = OutboundService.start(config, ts.store(), OutboundService.Options.defaults()
                .withDns(DnsjavaResolver.forServer(dns.address().toSocketAddress(), Duration.ofSeconds(1)))
                .withMxPort(backup.port())
                .withTimeouts(SmtpTimeouts.uniform(Duration.ofSeconds(2), Duration.ofSeconds(5))));
    }

    @AfterEach
    void tearDown() throws Exception {
        service.stop(Duration.ofSeconds(2));
        primary.close();
        backup.close();
        dns.close();
        ts.close();
    }

    private QueueEntry row(String recipient) {
        return ts.store().queue().list().stream().filter(r -> r.recipient().equals(recipient)).findFirst().orElseThrow();
    }

    @Test
    void bestPreferenceFirst() throws Exception {
        enqueue(ts.store(), "alice@local.test", "M1", message("mx"), "x@example.test");
        service.wakeUp();
        await(Duration.ofSeconds(10), "delivered", () -> row("x@example.test").state() == QueueEntry.State.DELIVERED);
        assertEquals(1, primary.messages.size());
        assertEquals(0, backup.connections());
    }

    @Test
    void nextMxWhenTheBestRefusesOrIsDown() throws Exception {
        primary.greeting = "421 4.3.2 Service not available";
        enqueue(ts.store(), "alice@local.test", "M2", message("fallback"), "x@example.test");
        enqueue(ts.store(), "alice@local.test", "M3", message("fallback dead"), "y@fallback.test");
        service.wakeUp();
        await(Duration.ofSeconds(10), "both delivered by the backup", () -> row("x@example.test").state() == QueueEntry.State.DELIVERED
                && row("y@fallback.test").state() == QueueEntry.State.DELIVERED);
        assertEquals(1, primary.connections(), "the best MX was tried first");
        assertEquals(2, backup.messages.size());
    }

    @Test
    void noMxUsesTheAddressRecord() throws Exception {
        enqueue(ts.store(), "alice@local.test", "M4", message("implicit"), "x@implicit.test");
        service.wakeUp();
        await(Duration.ofSeconds(10), "delivered", () -> row("x@implicit.test").state() == QueueEntry.State.DELIVERED);
        assertEquals(1, backup.messages.size());
    }

    @Test
    void nullMxAndUnknownDomainBounceAtOnce() throws Exception {
        enqueue(ts.store(), "alice@local.test", "M5", message("null mx"), "x@nullmx.test", "y@nowhere.test");
        service.wakeUp();
        await(Duration.ofSeconds(10), "failed", () -> row("x@nullmx.test").state() == QueueEntry.State.FAILED
                && row("y@nowhere.test").state() == QueueEntry.State.FAILED);
        assertTrue(row("x@nullmx.test").lastReply().startsWith("Recipient address has null MX"), row("x@nullmx.test").lastReply());
        assertTrue(row("y@nowhere.test").lastReply().startsWith("Host or domain name not found"), row("y@nowhere.test").lastReply());
        assertEquals(1, row("x@nullmx.test").attempts());
        assertEquals(0, primary.connections() + backup.connections());
    }
}
