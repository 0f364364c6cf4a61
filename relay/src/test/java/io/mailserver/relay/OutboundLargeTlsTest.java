package io.mailserver.relay;

import static io.mailserver.relay.testing.Queueing.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mailserver.relay.client.SmtpTimeouts;
import io.mailserver.testkit.BigContent;
import io.mailserver.relay.testing.PeerSmtpServer;
import io.mailserver.mailauth.dns.StaticDns;
import io.mailserver.relay.testing.TestCerts;
import io.mailserver.store.Delivery;
import io.mailserver.store.QueueEntry;
import io.mailserver.testkit.TempStore;
import java.io.ByteArrayInputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A 50 MB message out through the queue runner and the SMTP client to a peer that offers STARTTLS: sent under TLS,
 * received byte for byte (SHA-256 compared). {@code -Dtls.repeat=N} sends it N times.
 */
@Timeout(value = 900, unit = TimeUnit.SECONDS)
class OutboundLargeTlsTest {
    private static final int REPEAT = Integer.getInteger("tls.repeat", 1);

    @Test
    void fiftyMegabytesToAStartTlsPeer() throws Exception {
        BigContent big = BigContent.of(50_000_000);
        try (TempStore ts = TempStore.create(); PeerSmtpServer peer = new PeerSmtpServer()) {
            ts.addUser("alice@example.test", "pw");
            peer.tls = TestCerts.serverContext();
            peer.extensions = List.of("PIPELINING", "SIZE 100000000", "8BITMIME", "ENHANCEDSTATUSCODES");
            OutboundService service = OutboundService.start(ts.config().with(Map.of("server.hostname", "mx.example.test",
                            "relay.routes", "remote.test -> [127.0.0.1]:" + peer.port(), "relay.poll-interval", "100ms")),
                    ts.store(), OutboundService.Options.defaults().withDns(new StaticDns())
                            .withTimeouts(SmtpTimeouts.uniform(Duration.ofSeconds(10), Duration.ofSeconds(120))));
            try {
                for (int i = 0; i < REPEAT; i++) {
                    String queueId = "BIG" + i;
                    try (Delivery d = ts.store().messages().begin("alice@example.test", queueId)) {
                        try (OutputStream out = d.content()) {
                            big.writeTo(out, false);
                        }
                        d.addRemoteRecipient("x@remote.test");
                        d.commit();
                    }
                    service.wakeUp();
                    await(Duration.ofSeconds(300), "delivered", () -> ts.store().queue().list().stream()
                            .allMatch(r -> r.state() == QueueEntry.State.DELIVERED));
                    assertEquals(i + 1, peer.messages.size());
                    PeerSmtpServer.Received m = peer.messages.get(i);
                    assertTrue(m.tls(), "sent under STARTTLS");
                    assertEquals(big.expectedDigest(), BigContent.digestOf(new ByteArrayInputStream(m.content())));
                    peer.messages.set(i, null); // 100 MB of heap per message otherwise
                }
            } finally {
                service.stop(Duration.ofSeconds(5));
            }
        }
    }
}
