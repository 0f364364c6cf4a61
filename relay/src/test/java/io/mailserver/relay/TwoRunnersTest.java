package io.mailserver.relay;

import static io.mailserver.relay.testing.Queueing.await;
import static io.mailserver.relay.testing.Queueing.enqueue;
import static io.mailserver.relay.testing.Queueing.message;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mailserver.config.ServerConfig;
import io.mailserver.relay.client.SmtpTimeouts;
import io.mailserver.relay.testing.PeerSmtpServer;
import io.mailserver.mailauth.dns.StaticDns;
import io.mailserver.store.MailStore;
import io.mailserver.store.PasswordHasher;
import io.mailserver.store.QueueEntry;
import io.mailserver.store.jdbc.JdbcMailStore;
import io.mailserver.testkit.PostgresCluster;
import io.mailserver.testkit.TestFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Two queue runners (two "nodes", each with its own store connection pool) race over one database:
 * every recipient reaches the peer exactly once. On H2 (auto-server file) and on PostgreSQL when
 * one can be started here.
 */
@Timeout(120)
class TwoRunnersTest {
    private static final int MESSAGES = 150;

    @Test
    void h2() throws Exception {
        Path dir = Files.createTempDirectory("race-h2-");
        try {
            String url = JdbcMailStore.defaultUrl(dir);
            race(() -> JdbcMailStore.open(url, "mail", "", 8, dir, new PasswordHasher(1_000)));
        } finally {
            TestFiles.deleteTree(dir);
        }
    }

    @Test
    void postgres() throws Exception {
        Assumptions.assumeTrue(PostgresCluster.available(), () -> "skipped: " + PostgresCluster.unavailableReason());
        Path dir = Files.createTempDirectory("race-pg-");
        try {
            PostgresCluster pg = PostgresCluster.shared();
            String url = pg.createDatabase();
            race(() -> JdbcMailStore.open(url, pg.user(), pg.password(), 8, dir, new PasswordHasher(1_000)));
        } finally {
            TestFiles.deleteTree(dir);
        }
    }

    interface StoreOpener {
        MailStore open();
    }

    private void race(StoreOpener opener) throws Exception {
        Map<String, AtomicInteger> received = new ConcurrentHashMap<>();
        try (PeerSmtpServer peer = new PeerSmtpServer(); MailStore a = opener.open(); MailStore b = opener.open()) {
            peer.dataReply = m -> {
                m.recipients().forEach(r -> received.computeIfAbsent(r, k -> new AtomicInteger()).incrementAndGet());
                return "250 2.0.0 Ok";
            };
            for (int i = 0; i < MESSAGES; i++) {
                enqueue(a, "", "R" + i, message("race " + i), "a" + i + "@remote.test", "b" + i + "@remote.test");
            }
            OutboundService one = start(a, peer, "node-one.test");
            OutboundService two = start(b, peer, "node-two.test");
            try {
                await(Duration.ofSeconds(90), "all delivered",
                        () -> a.queue().list().stream().allMatch(r -> r.state() == QueueEntry.State.DELIVERED));
            } finally {
                one.stop(Duration.ofSeconds(2));
                two.stop(Duration.ofSeconds(2));
            }
            assertEquals(2 * MESSAGES, received.size());
            received.forEach((rcpt, n) -> assertEquals(1, n.get(), rcpt + " was sent " + n.get() + " times"));
            assertTrue(peer.transcript.contains("EHLO node-one.test") && peer.transcript.contains("EHLO node-two.test"), "both runners worked");
        }
    }

    private static OutboundService start(MailStore store, PeerSmtpServer peer, String hostname) {
        Map<String, String> m = new HashMap<>();
        m.put("server.hostname", hostname);
        m.put("relay.routes", "remote.test -> [127.0.0.1]:" + peer.port());
        m.put("relay.poll-interval", "50ms");
        m.put("relay.concurrency", "8");
        m.put("relay.concurrency-per-destination", "8");
        ServerConfig config = ServerConfig.fromMap(m);
        return OutboundService.start(config, store, OutboundService.Options.defaults().withDns(new StaticDns()).withRunnerId(hostname)
                .withTimeouts(SmtpTimeouts.uniform(Duration.ofSeconds(2), Duration.ofSeconds(10))));
    }
}
