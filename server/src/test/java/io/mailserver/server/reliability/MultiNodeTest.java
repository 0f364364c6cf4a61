package io.mailserver.server.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.mailserver.testkit.PostgresCluster;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two server processes (separate JVMs, as two machines would run them) over one PostgreSQL database: mail
 * accepted by either is in its mailboxes exactly once, the POP3 maildrop lock holds across nodes, and a node
 * killed with {@code kill -9} under load loses no acknowledged message while the other goes on serving.
 */
class MultiNodeTest {
    private static final String[] USERS = {"alice", "bob", "carol"};

    @TempDir
    Path dir;
    private PostgresCluster cluster;
    private String url;
    private final List<ChildServer> nodes = new ArrayList<>();

    @BeforeEach
    void database() {
        assumeTrue(PostgresCluster.available(), PostgresCluster.unavailableReason());
        cluster = PostgresCluster.shared();
        url = cluster.createDatabase();
        TestMail.createUsers(dir.resolve("setup"), db(), USERS);
    }

    @AfterEach
    void stop() {
        nodes.forEach(ChildServer::close);
        if (cluster != null) {
            cluster.dropDatabase(url);
        }
    }

    private Map<String, String> db() {
        return Map.of("db.url", url, "db.user", cluster.user(), "db.password", cluster.password());
    }

    private ChildServer node(String name, Map<String, String> more) throws IOException {
        Path data = Files.createDirectories(dir.resolve(name));
        Map<String, String> settings = new HashMap<>(db());
        settings.put("server.hostname", name + ".example.test");
        settings.putAll(more);
        ChildServer node = ChildServer.start(data, settings);
        nodes.add(node);
        return node;
    }

    @Test
    @Timeout(value = 240, unit = TimeUnit.SECONDS)
    void mailAcceptedOnEitherNodeIsStoredOnceAndTheMaildropLockIsShared() throws Exception {
        ChildServer a = node("a", Map.of());
        ChildServer b = node("b", Map.of());
        Map<String, String[]> sent = new ConcurrentHashMap<>();
        List<Thread> senders = new ArrayList<>();
        List<Throwable> failures = new ArrayList<>();
        for (int s = 0; s < 6; s++) {
            int sender = s;
            ChildServer via = s % 2 == 0 ? a : b;
            Thread t = new Thread(() -> {
                try (Wire w = Wire.connect(via.smtpPort())) {
                    w.smtpReply();
                    w.smtp("EHLO sender" + sender + ".far.test", "250");
                    for (int n = 0; n < 15; n++) {
                        String id = "n" + sender + "m" + n;
                        String[] to = n % 3 == 0 ? new String[] {USERS[n % 3], USERS[(n + 1) % 3]} : new String[] {USERS[(sender + n) % 3]};
                        String reply = TestMail.send(w, id, to);
                        assertTrue(reply.startsWith("250 "), id + ": " + reply);
                        sent.put(id, to);
                    }
                } catch (Throwable e) {
                    synchronized (failures) {
                        failures.add(e);
                    }
                }
            });
            senders.add(t);
            t.start();
        }
        for (Thread t : senders) {
            t.join();
        }
        assertTrue(failures.isEmpty(), failures.toString());
        assertEquals(90, sent.size());

        // alice logs in on A; B refuses her while A holds her maildrop, and lets her in at once after A's QUIT
        try (Pop3Wire onA = Pop3Wire.connect(a.pop3Port()); Pop3Wire onB = Pop3Wire.connect(b.pop3Port())) {
            onA.login(TestMail.address("alice"), "alice-pw");
            onB.ok("USER " + TestMail.address("alice"));
            String refused = onB.cmd("PASS alice-pw");
            assertTrue(refused.startsWith("-ERR [IN-USE]"), refused);
            onA.ok("QUIT");
        }
        for (String user : USERS) {
            Set<String> seen = retrieveAll(b, user);
            sent.forEach((id, to) -> {
                if (List.of(to).contains(user)) {
                    assertTrue(seen.contains(id), id + " is missing from " + user + "'s mailbox");
                }
            });
            long expected = sent.values().stream().filter(to -> List.of(to).contains(user)).count();
            assertEquals(expected, seen.size(), user + "'s mailbox holds only what was sent to " + user);
        }
    }

    @Test
    @Timeout(value = 240, unit = TimeUnit.SECONDS)
    void aNodeKilledUnderLoadLosesNoAcknowledgedMessageAndItsLocksExpire() throws Exception {
        // the shortest lock lifetime the configuration allows, so that the dead node's lock runs out within the test
        Map<String, String> shortLocks = Map.of("pop3.lock-ttl", "30s");
        ChildServer a = node("a", shortLocks);
        ChildServer b = node("b", shortLocks);
        Map<String, String[]> acknowledged = new ConcurrentHashMap<>();
        Map<String, String[]> uncertain = new ConcurrentHashMap<>();
        AtomicInteger acks = new AtomicInteger();
        AtomicBoolean stop = new AtomicBoolean();
        List<Thread> senders = new ArrayList<>();
        for (int s = 0; s < 8; s++) {
            int sender = s;
            ChildServer via = s % 2 == 0 ? a : b;
            Thread t = new Thread(() -> {
                try (Wire w = Wire.connect(via.smtpPort())) {
                    w.smtpReply();
                    w.smtp("EHLO sender" + sender + ".far.test", "250");
                    for (int n = 0; !stop.get(); n++) {
                        String id = "k" + sender + "m" + n;
                        // carol's mail goes to A only: her maildrop is the one locked on A when it dies
                        String[] to = new String[] {USERS[(sender + n) % 2]};
                        uncertain.put(id, to);
                        String reply = TestMail.send(w, id, to);
                        if (reply == null || !reply.startsWith("250 ")) {
                            return;
                        }
                        uncertain.remove(id);
                        acknowledged.put(id, to);
                        acks.incrementAndGet();
                    }
                } catch (IOException | AssertionError e) {
                    // the killed node's senders end here; the message in flight stays uncertain
                }
            });
            senders.add(t);
            t.start();
        }
        // carol holds her maildrop on A when A dies
        Pop3Wire carolOnA = Pop3Wire.connect(a.pop3Port());
        carolOnA.login(TestMail.address("carol"), "carol-pw");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (acks.get() < 80 && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        a.kill();
        long killedAt = System.nanoTime();
        int atKill = acks.get();
        Thread.sleep(1500); // B goes on accepting
        stop.set(true);
        for (Thread t : senders) {
            t.join(30_000);
        }
        carolOnA.close();
        assertTrue(acks.get() > atKill, "node B went on accepting after A died (" + atKill + " -> " + acks.get() + ")");

        for (String user : List.of("alice", "bob")) {
            Set<String> seen = retrieveAll(b, user);
            acknowledged.forEach((id, to) -> {
                if (List.of(to).contains(user) && !seen.contains(id)) {
                    fail(id + " was acknowledged with 250 but is missing from " + user + "'s mailbox");
                }
            });
            for (String id : seen) {
                assertTrue(acknowledged.containsKey(id) || uncertain.containsKey(id), id + " in " + user + "'s mailbox was never sent");
            }
        }
        // carol's lock, held by the dead node, runs out within its lifetime; then she logs in on B
        String reply;
        do {
            try (Pop3Wire onB = Pop3Wire.connect(b.pop3Port())) {
                onB.ok("USER " + TestMail.address("carol"));
                reply = onB.cmd("PASS carol-pw");
                if (reply.startsWith("+OK")) {
                    onB.ok("QUIT");
                    break;
                }
                assertTrue(reply.startsWith("-ERR [IN-USE]"), reply);
            }
            Thread.sleep(500);
        } while (System.nanoTime() - killedAt < TimeUnit.SECONDS.toNanos(45));
        assertTrue(reply.startsWith("+OK"), "carol could not log in on B within 45 s of A's death: " + reply);
        System.out.println("multi-node kill: acknowledged " + acknowledged.size() + " (" + atKill + " before the kill), uncertain "
                + uncertain.size() + ", carol's lock free after " + TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - killedAt) + " s");
    }

    /** Every message in {@code user}'s mailbox through {@code node}, checked whole and once; returns the test ids. */
    private static Set<String> retrieveAll(ChildServer node, String user) throws IOException {
        Set<String> seen = new HashSet<>();
        try (Pop3Wire pop = Pop3Wire.connect(node.pop3Port())) {
            pop.login(TestMail.address(user), user + "-pw");
            int count = pop.count();
            for (int i = 1; i <= count; i++) {
                byte[] message = pop.retr(i);
                String id = TestMail.idOf(message);
                assertNotNull(id, user + " message " + i + " has no test Message-ID");
                assertTrue(TestMail.isWhole(message, id), id + " is not stored byte for byte as sent");
                assertTrue(seen.add(id), id + " is twice in " + user + "'s mailbox");
            }
            pop.ok("QUIT");
        }
        return seen;
    }
}
