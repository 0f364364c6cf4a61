package io.mailserver.server.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

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
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import io.mailserver.config.ServerConfig;
import io.mailserver.store.MailAddress;
import io.mailserver.store.QueueEntry;
import io.mailserver.store.jdbc.JdbcMailStore;
import io.mailserver.testkit.TestFiles;

/**
 * Issue 7, "Crash": the whole server in a child JVM is killed with SIGKILL in the middle of work, then
 * started again on the same data directory, and what the clients were told is compared with what the
 * mailboxes hold (docs/design.md, contracts 2 and 3).
 */
class CrashTest {
    private static final String[] USERS = {"alice", "bob", "carol"};

    private Path dataDir;
    private final List<ChildServer> children = new ArrayList<>();

    @BeforeEach
    void createDataDir() throws IOException {
        dataDir = Files.createTempDirectory("reliability-crash-");
    }

    @AfterEach
    void cleanUp() {
        children.forEach(ChildServer::kill);
        TestFiles.deleteTree(dataDir);
    }

    private ChildServer startServer(Map<String, String> settings) {
        ChildServer child = ChildServer.start(dataDir, settings);
        children.add(child);
        return child;
    }

    /** What a sender knows about one message when the server dies. */
    enum Fate {
        /** DATA begun, the terminating CRLF.CRLF not yet sent: must not be stored, whole or in part. */
        PARTIAL,
        /** The terminator was sent but no reply came back: may be stored (once, in every mailbox) or not at all. */
        UNCERTAIN,
        /** 250 received: must be stored, once, in every recipient's mailbox. */
        ACKNOWLEDGED,
        /** A reply other than 250 to the end of data: must not be stored. */
        REFUSED
    }

    /**
     * 20 sessions send as fast as they can; the server is killed after at least 100 acknowledgements,
     * at a random moment. After a restart, POP3 shows every acknowledged message once in each of its
     * recipients' mailboxes, byte-exact; an uncertain one in all of them or none; nothing else.
     */
    @Test
    @Timeout(value = 150, unit = TimeUnit.SECONDS)
    void killNineUnderLoadOfTwentySendersLosesNoAcknowledgedMessage() throws Exception {
        TestMail.createUsers(dataDir, Map.of(), USERS);
        ChildServer server = startServer(Map.of());
        int port = server.smtpPort();

        Map<String, Fate> fates = new ConcurrentHashMap<>();
        Map<String, String[]> recipients = new ConcurrentHashMap<>();
        Map<String, String> refusals = new ConcurrentHashMap<>();
        AtomicInteger acknowledged = new AtomicInteger();
        CountDownLatch enough = new CountDownLatch(100);
        ReadWriteLock gate = new ReentrantReadWriteLock();
        List<Thread> senders = new ArrayList<>();
        for (int t = 0; t < 20; t++) {
            int sender = t;
            Thread thread = new Thread(() -> {
                try (Wire w = Wire.connect(port)) {
                    w.smtpReply();
                    w.smtp("EHLO sender" + sender + ".far.test", "250");
                    for (int n = 0; ; n++) {
                        String id = "s" + sender + "m" + n;
                        String[] to = n % 3 == 0 ? new String[] {USERS[(sender + n) % 3], USERS[(sender + n + 1) % 3]}
                                : new String[] {USERS[(sender + n) % 3]};
                        recipients.put(id, to);
                        w.smtp("MAIL FROM:<sender@far.test>", "250 ");
                        for (String r : to) {
                            w.smtp("RCPT TO:<" + TestMail.address(r) + ">", "250 ");
                        }
                        w.smtp("DATA", "354 ");
                        String content = TestMail.content(id);
                        int half = content.length() / 2;
                        fates.put(id, Fate.PARTIAL);
                        w.write(content.substring(0, half));
                        Thread.sleep(ThreadLocalRandom.current().nextInt(8)); // so that the kill catches some mid-DATA
                        gate.readLock().lock(); // the kill waits for this write: "sent" and "marked" go together
                        try {
                            fates.put(id, Fate.UNCERTAIN);
                            w.write(content.substring(half) + ".\r\n");
                        } finally {
                            gate.readLock().unlock();
                        }
                        String reply = w.smtpReply();
                        if (reply == null) {
                            return;
                        }
                        if (reply.startsWith("250 ")) {
                            fates.put(id, Fate.ACKNOWLEDGED);
                            acknowledged.incrementAndGet();
                            enough.countDown();
                        } else {
                            fates.put(id, Fate.REFUSED);
                            refusals.put(id, reply);
                        }
                    }
                } catch (IOException | AssertionError e) {
                    // the server died under us (connection reset, closed, or a command cut short)
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, "sender-" + t);
            thread.start();
            senders.add(thread);
        }
        assertTrue(enough.await(60, TimeUnit.SECONDS), "100 messages acknowledged within 60 s:\n" + server.log());
        Thread.sleep(ThreadLocalRandom.current().nextInt(40));
        Map<String, Fate> atKill;
        gate.writeLock().lock();
        try {
            server.kill(); // returns once the process is gone
            // A message still PARTIAL now never had its terminator sent to the live server. Its sender may
            // yet write the terminator into the dead connection, so its fate is the one of this moment.
            atKill = new HashMap<>(fates);
        } finally {
            gate.writeLock().unlock();
        }
        for (Thread t : senders) {
            t.join(30_000);
        }
        atKill.forEach((id, fate) -> {
            if (fate == Fate.PARTIAL && fates.get(id) != Fate.ACKNOWLEDGED) {
                fates.put(id, Fate.PARTIAL);
            }
        });
        assertTrue(refusals.isEmpty(), "no refusals before the kill: " + refusals);
        Map<Fate, Integer> census = new HashMap<>();
        fates.values().forEach(f -> census.merge(f, 1, Integer::sum));
        System.out.println("at the kill: " + census);
        assertTrue(census.getOrDefault(Fate.UNCERTAIN, 0) <= 20, "at most one message in flight per sender");

        ChildServer restarted = startServer(Map.of());
        Map<String, Integer> uncertainFoundIn = new HashMap<>();
        for (String user : USERS) {
            Set<String> seen = new HashSet<>();
            try (Pop3Wire pop = Pop3Wire.connect(restarted.pop3Port())) {
                pop.login(TestMail.address(user), user + "-pw");
                int count = pop.count();
                for (int i = 1; i <= count; i++) {
                    byte[] message = pop.retr(i);
                    String id = TestMail.idOf(message);
                    assertNotNull(id, user + " message " + i + " has no test Message-ID");
                    Fate fate = fates.get(id);
                    assertTrue(fate == Fate.ACKNOWLEDGED || fate == Fate.UNCERTAIN, id + " is in " + user + "'s mailbox but was " + fate);
                    assertTrue(List.of(recipients.get(id)).contains(user), id + " is in the mailbox of " + user + ", not a recipient");
                    assertTrue(TestMail.isWhole(message, id), id + " is stored, but not byte for byte as sent");
                    assertTrue(seen.add(id), id + " is twice in " + user + "'s mailbox");
                    if (fate == Fate.UNCERTAIN) {
                        uncertainFoundIn.merge(id, 1, Integer::sum);
                    }
                }
                pop.ok("QUIT");
            }
            fates.forEach((id, fate) -> {
                if (fate == Fate.ACKNOWLEDGED && List.of(recipients.get(id)).contains(user) && !seen.contains(id)) {
                    fail(id + " was acknowledged with 250 but is missing from " + user + "'s mailbox");
                }
            });
        }
        // one transaction per message: an uncertain message is in all of its mailboxes or in none
        uncertainFoundIn.forEach((id, n) -> assertEquals(recipients.get(id).length, n, id + " stored for only some recipients"));
        System.out.println("acknowledged " + acknowledged.get() + ", all found; uncertain found: " + uncertainFoundIn.size());

        try (Wire w = Wire.connect(restarted.smtpPort())) {
            w.smtpReply();
            w.smtp("EHLO after.far.test", "250");
            assertTrue(TestMail.send(w, "after", "alice").startsWith("250 "), "the restarted server accepts mail");
        }
        try (Pop3Wire pop = Pop3Wire.connect(restarted.pop3Port())) {
            pop.login(TestMail.address("alice"), "alice-pw");
            int count = pop.count();
            assertEquals("after", TestMail.idOf(pop.retr(count)));
        }
        restarted.close();
    }

    /** What a POP3 client knows about its QUIT when the server dies. */
    enum Quit {
        NOT_SENT, SENT_NO_REPLY, OK
    }

    /**
     * Ten sessions have marked every message of their maildrop (30 each) with DELE; their QUITs leave
     * at staggered moments and the server is killed in the middle of them. After a restart each maildrop
     * holds all 30 messages or none (RFC 1939 section 6: UPDATE applies the deletes; one transaction),
     * none if the +OK to QUIT was read, all 30 if QUIT was never sent. Three rounds with different
     * spacing, so that kills land before, inside and after the delete transactions.
     */
    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void killNineDuringPop3QuitAppliesEachMaildropsDeletesAllOrNone() throws Exception {
        int n = 30;
        // QUIT spacing and kill time (ns): the QUITs spread over a window the kill falls into
        long[][] rounds = {{2_000_000, 10_000_000}, {8_000_000, 40_000_000}, {25_000_000, 120_000_000}};
        // fresh users each round: a killed session's maildrop lock blocks its user for pop3.lock-ttl (at least 30 s)
        List<String[]> usersOfRound = new ArrayList<>();
        List<String> all = new ArrayList<>();
        for (int round = 0; round < rounds.length; round++) {
            String[] users = new String[10];
            for (int i = 0; i < users.length; i++) {
                users[i] = "r" + round + "u" + i;
                all.add(users[i]);
            }
            usersOfRound.add(users);
        }
        TestMail.createUsers(dataDir, Map.of(), all.toArray(new String[0]));
        ChildServer server = startServer(Map.of());
        Map<String, Integer> census = new java.util.TreeMap<>();
        for (int round = 0; round < rounds.length; round++) {
            String[] users = usersOfRound.get(round);
            fill(server, users, n, round);
            List<Pop3Wire> sessions = new ArrayList<>();
            for (String u : users) {
                Pop3Wire pop = Pop3Wire.connect(server.pop3Port());
                pop.login(TestMail.address(u), u + "-pw");
                StringBuilder deles = new StringBuilder();
                for (int i = 1; i <= n; i++) {
                    deles.append("DELE ").append(i).append("\r\n");
                }
                pop.wire.write(deles.toString()); // pipelined (RFC 2449 PIPELINING)
                for (int i = 1; i <= n; i++) {
                    assertTrue(pop.status().startsWith("+OK"));
                }
                sessions.add(pop);
            }
            Map<String, Quit> quits = new ConcurrentHashMap<>();
            Map<String, String> oddReplies = new ConcurrentHashMap<>();
            CountDownLatch go = new CountDownLatch(1);
            ReadWriteLock gate = new ReentrantReadWriteLock();
            long[] spacing = rounds[round];
            List<Thread> threads = new ArrayList<>();
            for (int i = 0; i < users.length; i++) {
                String user = users[i];
                Pop3Wire pop = sessions.get(i);
                long offset = i * spacing[0];
                quits.put(user, Quit.NOT_SENT);
                Thread t = new Thread(() -> {
                    try {
                        go.await();
                        LockSupport.parkNanos(offset);
                        gate.readLock().lock();
                        try {
                            quits.put(user, Quit.SENT_NO_REPLY);
                            pop.wire.write("QUIT\r\n");
                        } finally {
                            gate.readLock().unlock();
                        }
                        String reply = pop.status();
                        if (reply != null) {
                            quits.put(user, Quit.OK);
                            if (!reply.startsWith("+OK") || !reply.endsWith("(0 messages left)")) {
                                oddReplies.put(user, reply);
                            }
                        }
                    } catch (IOException e) {
                        // killed before the reply
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    } finally {
                        pop.close();
                    }
                }, "quit-" + user);
                t.start();
                threads.add(t);
            }
            go.countDown();
            LockSupport.parkNanos(spacing[1]);
            Map<String, Quit> atKill;
            gate.writeLock().lock();
            try {
                server.kill();
                atKill = new HashMap<>(quits); // NOT_SENT now: the QUIT never reached the live server
            } finally {
                gate.writeLock().unlock();
            }
            for (Thread t : threads) {
                t.join(30_000);
            }
            assertTrue(oddReplies.isEmpty(), "QUIT replies: " + oddReplies);
            Map<String, Integer> after = storedCounts(users);
            for (String u : users) {
                int count = after.get(u);
                Quit quit = atKill.get(u) == Quit.NOT_SENT ? Quit.NOT_SENT : quits.get(u);
                census.merge(quit + (quit == Quit.SENT_NO_REPLY ? (count == 0 ? " (applied)" : " (not applied)") : ""), 1, Integer::sum);
                String what = "round " + round + ", " + u + " (QUIT " + quit + ")";
                switch (quit) {
                    case OK -> assertEquals(0, count, what + ": +OK to QUIT means the deletes are durable");
                    case NOT_SENT -> assertEquals(n, count, what + ": without QUIT nothing is deleted");
                    case SENT_NO_REPLY -> {
                        assertTrue(count == 0 || count == n, what + ": " + count + " of " + n + " left, deletes applied in part");
                    }
                }
            }
            if (round + 1 < rounds.length) {
                server = startServer(Map.of());
            }
        }
        System.out.println("QUIT states at the kills: " + census);
    }

    /** Gives every user {@code n} messages, by SMTP (each message to all of them at once). */
    private static void fill(ChildServer server, String[] users, int n, int round) throws IOException {
        try (Wire w = Wire.connect(server.smtpPort())) {
            w.smtpReply();
            w.smtp("EHLO filler.far.test", "250");
            for (int i = 0; i < n; i++) {
                assertTrue(TestMail.send(w, "r" + round + "f" + i, users).startsWith("250 "));
            }
        }
    }

    /**
     * Each maildrop's size as the store holds it after the crash (read directly: the killed sessions'
     * maildrop locks block POP3 logins for pop3.lock-ttl, at least 30 s).
     */
    private Map<String, Integer> storedCounts(String[] users) {
        Map<String, Integer> counts = new HashMap<>();
        ServerConfig config = ServerConfig.fromMap(Map.of("server.data-dir", dataDir.toString()));
        try (JdbcMailStore store = JdbcMailStore.open(config)) {
            for (String u : users) {
                long id = store.users().find(MailAddress.parse(TestMail.address(u))).orElseThrow().id();
                counts.put(u, store.maildrops().snapshot(id).size());
            }
        }
        return counts;
    }


    /**
     * The queue runner relays 60 messages (one to three recipients each) to a scripted remote server
     * that answers each final "." after 30 ms; the server is killed once a third are answered. After a
     * restart every recipient reaches the remote (none lost); a recipient the store had marked DELIVERED
     * is never sent again; one the remote had never received whole is received exactly once; only one
     * caught between "the remote has it" and "the runner recorded the answer" may arrive twice (RFC 5321
     * section 6.1 accepts that duplicate).
     */
    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void killNineDuringQueueDeliveryLosesNoRecipient() throws Exception {
        TestMail.createUsers(dataDir, Map.of());
        try (SinkSmtpServer sink = new SinkSmtpServer(30)) {
            Map<String, String> settings = Map.of("relay.routes", "remote.test -> [127.0.0.1]:" + sink.port(), "relay.lease", "2s",
                    "relay.poll-interval", "200ms", "relay.retry-initial", "1s", "relay.retry-max", "2s");
            ChildServer server = startServer(settings);
            Map<String, String> idOfQueueId = new ConcurrentHashMap<>();
            Set<String> pairs = ConcurrentHashMap.newKeySet(); // "id recipient", each acknowledged with 250
            List<Thread> senders = new ArrayList<>();
            List<Throwable> failures = new java.util.concurrent.CopyOnWriteArrayList<>();
            for (int t = 0; t < 4; t++) {
                int sender = t;
                Thread thread = new Thread(() -> {
                    try (Wire w = Wire.connect(server.smtpPort())) {
                        w.smtpReply();
                        w.smtp("EHLO trusted.example.test", "250");
                        for (int n = 0; n < 15; n++) {
                            String id = "q" + sender + "m" + n;
                            List<String> to = new ArrayList<>();
                            for (int r = 0; r <= (sender + n) % 3; r++) {
                                to.add("r" + ((n + r) % 5) + "@remote.test");
                            }
                            String reply = TestMail.sendTo(w, id, to.toArray(new String[0]));
                            if (!reply.startsWith("250 2.0.0 Ok: queued as ")) {
                                throw new AssertionError(id + ": " + reply);
                            }
                            idOfQueueId.put(reply.substring("250 2.0.0 Ok: queued as ".length()).trim(), id);
                            to.forEach(r -> pairs.add(id + " " + r));
                        }
                    } catch (IOException | RuntimeException | AssertionError e) {
                        failures.add(e);
                    }
                });
                thread.start();
                senders.add(thread);
            }
            for (Thread t : senders) {
                t.join(60_000);
            }
            assertTrue(failures.isEmpty(), "queueing: " + failures);

            sink.open();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (sink.answered() < 20 && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            assertTrue(sink.answered() >= 20, "the runner delivered 20 transactions within 60 s:\n" + server.log());
            Thread.sleep(ThreadLocalRandom.current().nextInt(30));
            long killStart = System.nanoTime();
            server.kill();
            long killEnd = System.nanoTime();

            Map<String, QueueEntry.State> stateAtKill = new HashMap<>();
            try (JdbcMailStore store = JdbcMailStore.open(ServerConfig.fromMap(Map.of("server.data-dir", dataDir.toString())))) {
                for (QueueEntry e : store.queue().list()) {
                    stateAtKill.put(idOfQueueId.get(e.queueId()) + " " + e.recipient().toLowerCase(java.util.Locale.ROOT), e.state());
                }
            }
            assertEquals(pairs, stateAtKill.keySet(), "one queue row per acknowledged recipient");

            ChildServer restarted = startServer(settings);
            deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
            while (!answeredPairs(sink).containsAll(pairs) && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
            Thread.sleep(1_000); // anything sent twice would arrive now
            restarted.close();

            Map<String, Integer> received = new HashMap<>(); // whole messages the remote got, per pair
            Map<String, Boolean> receivedBeforeKill = new HashMap<>();
            Map<String, Long> answeredBeforeKill = new HashMap<>(); // pair -> ns between the remote's 250 and the kill
            for (SinkSmtpServer.Transaction t : sink.transactions()) {
                assertTrue(t.whole(), "the remote got " + t.id() + " byte-exact");
                for (String r : t.recipients()) {
                    String pair = t.id() + " " + r;
                    assertTrue(pairs.contains(pair), "the remote got " + pair + ", which was never acknowledged");
                    received.merge(pair, 1, Integer::sum);
                    if (t.terminatorAt() < killEnd) {
                        receivedBeforeKill.put(pair, true);
                    }
                    if (t.answeredAt() != 0 && t.answeredAt() < killStart) {
                        answeredBeforeKill.put(pair, killStart - t.answeredAt());
                    }
                }
            }
            int duplicates = 0;
            int duplicatesAlreadyAnswered = 0;
            long longestUnrecorded = 0;
            for (String pair : pairs) {
                int n = received.getOrDefault(pair, 0);
                assertTrue(n >= 1, pair + " never reached the remote: lost");
                if (stateAtKill.get(pair) == QueueEntry.State.DELIVERED) {
                    assertEquals(1, n, pair + " was recorded DELIVERED before the kill, yet sent again");
                }
                if (!receivedBeforeKill.containsKey(pair)) {
                    assertEquals(1, n, pair + " had not reached the remote before the kill, yet arrived twice");
                }
                if (n > 1) {
                    duplicates++;
                    if (answeredBeforeKill.containsKey(pair)) {
                        duplicatesAlreadyAnswered++;
                        longestUnrecorded = Math.max(longestUnrecorded, answeredBeforeKill.get(pair));
                    }
                }
            }
            System.out.printf("queue: %d recipients, %d DELIVERED at the kill, %d received twice (%d of them answered by the remote "
                    + "at most %d ms before the kill but not yet recorded, the rest not yet answered)%n", pairs.size(),
                    stateAtKill.values().stream().filter(s -> s == QueueEntry.State.DELIVERED).count(), duplicates,
                    duplicatesAlreadyAnswered, TimeUnit.NANOSECONDS.toMillis(longestUnrecorded));
            try (JdbcMailStore store = JdbcMailStore.open(ServerConfig.fromMap(Map.of("server.data-dir", dataDir.toString())))) {
                for (QueueEntry e : store.queue().list()) {
                    assertEquals(QueueEntry.State.DELIVERED, e.state(), "row " + e.id() + " after the restart");
                }
            }
        }
    }

    private static Set<String> answeredPairs(SinkSmtpServer sink) {
        Set<String> answered = new HashSet<>();
        for (SinkSmtpServer.Transaction t : sink.transactions()) {
            if (t.answeredAt() != 0) {
                t.recipients().forEach(r -> answered.add(t.id() + " " + r));
            }
        }
        return answered;
    }
}
