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
import io.mailserver.store.MailAddress;
import io.mailserver.store.MailStore;
import io.mailserver.store.PasswordHasher;
import io.mailserver.store.QueueEntry;
import io.mailserver.store.jdbc.JdbcMailStore;
import io.mailserver.testkit.PostgresCluster;
import io.mailserver.testkit.TestFiles;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A runner that loses its lease must not overwrite the outcome of the runner that took the row over,
 * nor tell the sender a second time. Runner A runs in its own JVM and is frozen (SIGSTOP, as a long GC
 * pause or a suspended VM would) while the remote server has its message; its 2 s lease runs out,
 * runner B claims the row and delivers it; then A is resumed and gets a 550 for its own, older attempt.
 */
@Timeout(120)
class LeaseOwnershipTest {
    private static final String RECIPIENT = "bob@remote.test";
    private static final String B_REPLY = "250 2.0.0 Ok: accepted from runner B";

    @Test
    void stalledRunnerOnH2() throws Exception {
        Path dir = Files.createTempDirectory("lease-h2-");
        try {
            String url = JdbcMailStore.defaultUrl(dir);
            // this JVM opens the file first, so it serves it (auto-server) and A's freeze cannot block B
            stalledRunner(dir, () -> JdbcMailStore.open(url, "mail", "", 8, dir, new PasswordHasher(1_000)), List.of());
        } finally {
            TestFiles.deleteTree(dir);
        }
    }

    @Test
    void stalledRunnerOnPostgres() throws Exception {
        Assumptions.assumeTrue(PostgresCluster.available(), () -> "skipped: " + PostgresCluster.unavailableReason());
        Path dir = Files.createTempDirectory("lease-pg-");
        try {
            PostgresCluster pg = PostgresCluster.shared();
            String url = pg.createDatabase();
            stalledRunner(dir, () -> JdbcMailStore.open(url, pg.user(), pg.password(), 8, dir, new PasswordHasher(1_000)),
                    List.of(url, pg.user(), pg.password()));
        } finally {
            TestFiles.deleteTree(dir);
        }
    }

    private void stalledRunner(Path dir, Supplier<MailStore> opener, List<String> childDatabase) throws Exception {
        CountDownLatch aHasSent = new CountDownLatch(1);
        CountDownLatch answerA = new CountDownLatch(1);
        AtomicInteger transactions = new AtomicInteger();
        List<String> accepted = Collections.synchronizedList(new ArrayList<>());
        try (PeerSmtpServer peer = new PeerSmtpServer(); MailStore store = opener.get()) {
            peer.dataReply = m -> {
                if (transactions.incrementAndGet() == 1) { // A's: held until A is frozen and B is done
                    aHasSent.countDown();
                    awaitQuietly(answerA);
                    return "550 5.1.1 <" + RECIPIENT + ">: answer to the stalled runner";
                }
                accepted.addAll(m.recipients());
                return B_REPLY;
            };
            store.domains().add("local.test");
            long aliceId = store.users().add(MailAddress.parse("alice@local.test"), null, "pw".toCharArray()).id();
            enqueue(store, "alice@local.test", "LEASE1", message("lease"), RECIPIENT);

            List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
                    System.getProperty("java.class.path"), RunnerChild.class.getName(), dir.toString(), String.valueOf(peer.port())));
            command.addAll(childDatabase);
            Process a = new ProcessBuilder(command).redirectErrorStream(true).start();
            List<String> aLog = Collections.synchronizedList(new ArrayList<>());
            OutboundService b = null;
            try {
                readUntilReady(a, aLog);
                assertTrue(aHasSent.await(30, TimeUnit.SECONDS), "runner A sent the message");
                signal(a, "STOP");
                long frozenAt = System.nanoTime();
                try {
                    b = start(store, peer, "node-b.test");
                    await(Duration.ofSeconds(30), "runner B delivered after A's lease ran out",
                            () -> store.queue().find(rowId(store)).orElseThrow().state() == QueueEntry.State.DELIVERED);
                    System.out.printf("runner A frozen; runner B delivered the row %d ms later (A's lease: 2 s)%n",
                            (System.nanoTime() - frozenAt) / 1_000_000);
                } finally {
                    answerA.countDown();
                    signal(a, "CONT");
                }
                // A reads its 550, tries to record it, and closes its connection with QUIT
                await(Duration.ofSeconds(30), "both runners done", () -> Collections.frequency(peer.transcript, "QUIT") == 2);
            } finally {
                if (b != null) {
                    b.stop(Duration.ofSeconds(2));
                }
                a.destroyForcibly();
                a.waitFor();
            }

            QueueEntry row = store.queue().find(rowId(store)).orElseThrow();
            assertEquals(QueueEntry.State.DELIVERED, row.state(), "B's outcome stands");
            assertEquals(B_REPLY, row.lastReply());
            assertEquals(1, row.attempts(), "A's attempt is not counted on B's row");
            assertEquals(List.of(RECIPIENT), accepted, "the recipient got the message once, from B");
            assertTrue(store.maildrops().snapshot(aliceId).isEmpty(), "no bounce for a message that was delivered");
            assertTrue(peer.transcript.contains("EHLO child.test") && peer.transcript.contains("EHLO node-b.test"), "both runners sent");
            synchronized (aLog) {
                String dropped = aLog.stream().filter(l -> l.contains("id=" + row.id() + ", to=<" + RECIPIENT + ">: outcome dropped, no notice sent"))
                        .findFirst().orElseThrow(() -> new AssertionError("A logs the dropped outcome:\n" + String.join("\n", aLog)));
                System.out.println("runner A resumed: " + dropped);
            }
        }
    }

    /**
     * A healthy runner whose poll interval is longer than its lease keeps its rows while a delivery takes
     * longer than the lease: the loop renews every third of the lease while it holds rows, so a second
     * runner never takes the row over and sends it again.
     */
    @Test
    void aLongPollIntervalDoesNotLetTheLeaseOfADeliveryInProgressRunOut() throws Exception {
        Path dir = Files.createTempDirectory("lease-renew-");
        AtomicInteger transactions = new AtomicInteger();
        try (PeerSmtpServer peer = new PeerSmtpServer();
             MailStore store = JdbcMailStore.open(JdbcMailStore.defaultUrl(dir), "mail", "", 8, dir, new PasswordHasher(1_000))) {
            CountDownLatch sending = new CountDownLatch(1);
            peer.dataReply = m -> {
                transactions.incrementAndGet();
                sending.countDown();
                sleepQuietly(Duration.ofSeconds(3)); // three leases
                return "250 2.0.0 Ok";
            };
            enqueue(store, "", "RENEW1", message("renew"), RECIPIENT);
            OutboundService a = start(store, peer, "node-a.test", Map.of("relay.poll-interval", "10s", "relay.lease", "1s"));
            OutboundService b = null;
            try {
                assertTrue(sending.await(30, TimeUnit.SECONDS));
                b = start(store, peer, "node-b.test", Map.of("relay.lease", "1s"));
                await(Duration.ofSeconds(30), "delivered", () -> store.queue().list().get(0).state() == QueueEntry.State.DELIVERED);
                Thread.sleep(300); // B polls every 50 ms: time enough to claim anything left
            } finally {
                a.stop(Duration.ofSeconds(2));
                if (b != null) {
                    b.stop(Duration.ofSeconds(2));
                }
            }
            assertEquals(1, transactions.get(), "sent once");
            assertFalse(peer.transcript.contains("EHLO node-b.test"), "B never had the row to send");
        } finally {
            TestFiles.deleteTree(dir);
        }
    }

    private static long rowId(MailStore store) {
        return store.queue().list().get(0).id();
    }

    private static OutboundService start(MailStore store, PeerSmtpServer peer, String hostname) {
        return start(store, peer, hostname, Map.of());
    }

    private static OutboundService start(MailStore store, PeerSmtpServer peer, String hostname, Map<String, String> extra) {
        Map<String, String> m = new HashMap<>();
        m.put("server.hostname", hostname);
        m.put("relay.routes", "remote.test -> [127.0.0.1]:" + peer.port());
        m.put("relay.poll-interval", "50ms");
        m.putAll(extra);
        return OutboundService.start(ServerConfig.fromMap(m), store, OutboundService.Options.defaults().withDns(new StaticDns())
                .withRunnerId(hostname).withTimeouts(SmtpTimeouts.uniform(Duration.ofSeconds(2), Duration.ofSeconds(30))));
    }

    /** Waits for the child's READY line, then keeps collecting its log (stdout and stderr) in the background. */
    private static void readUntilReady(Process child, List<String> log) throws IOException {
        BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
        String line;
        while ((line = out.readLine()) != null && !line.equals("READY")) {
            log.add(line);
        }
        assertEquals("READY", line, "the child runner started:\n" + String.join("\n", log));
        Thread drain = new Thread(() -> {
            try {
                String l;
                while ((l = out.readLine()) != null) {
                    log.add(l);
                }
            } catch (IOException ignored) {
                // the child is gone
            }
        }, "runner-child-log");
        drain.setDaemon(true);
        drain.start();
    }

    private static void signal(Process p, String signal) throws IOException, InterruptedException {
        Process kill = new ProcessBuilder("kill", "-" + signal, String.valueOf(p.pid())).inheritIO().start();
        assertEquals(0, kill.waitFor(), "kill -" + signal);
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await(60, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void sleepQuietly(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
