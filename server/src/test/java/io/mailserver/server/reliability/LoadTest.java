package io.mailserver.server.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import io.mailserver.config.ServerConfig;
import io.mailserver.server.MailServer;
import io.mailserver.testkit.TestFiles;

/**
 * Issue 7, "Load": 1,000 SMTP sessions, all open and greeted at once, send two small messages each
 * while 50 POP3 sessions retrieve and delete at the same moment, against the whole server in this JVM with its default limits
 * (loopback is a trusted network, exempt from the per-address limit). Afterwards every acknowledged
 * message is in each of its recipients' mailboxes exactly once (retrieved by the concurrent POP3 pass
 * or still there), nothing else is, every retrieved message is byte-exact, and no client ever saw an
 * error reply.
 */
class LoadTest {
    private static final int SENDERS = 1_000;
    private static final int MESSAGES_PER_SENDER = 2;
    private static final int MAILBOXES = 50;
    private static final int PREFILLED = 10;

    @Test
    @Timeout(value = 150, unit = TimeUnit.SECONDS)
    void thousandSendersAndFiftyRetrieversLoseAndDuplicateNothing() throws Exception {
        Path dataDir = Files.createTempDirectory("reliability-load-");
        String[] users = new String[MAILBOXES];
        for (int i = 0; i < MAILBOXES; i++) {
            users[i] = String.format("p%02d", i);
        }
        try {
            TestMail.createUsers(dataDir, Map.of(), users);
            ServerConfig config = ServerConfig.fromMap(Map.of("server.data-dir", dataDir.toString(), "server.hostname", "mx.example.test",
                    "smtp.listen", "127.0.0.1:0", "pop3.listen", "127.0.0.1:0", "smtp.check-sender-domain", "false",
                    "tls.allow-plaintext-auth", "true", "http.listen", "127.0.0.1:0", "https.listen", "127.0.0.1:0"));
            try (MailServer server = MailServer.start(config)) {
                int smtpPort = server.smtp().port();
                int pop3Port = server.pop3().port();
                Map<String, Set<String>> expected = new HashMap<>();
                for (String u : users) {
                    expected.put(u, ConcurrentHashMap.newKeySet());
                }
                prefill(smtpPort, users, expected);

                ConcurrentLinkedQueue<String> errors = new ConcurrentLinkedQueue<>();
                Map<String, List<String>> retrievedDuringLoad = new ConcurrentHashMap<>();
                CountDownLatch go = new CountDownLatch(1);
                CountDownLatch allGreeted = new CountDownLatch(SENDERS);
                CountDownLatch sendersDone = new CountDownLatch(SENDERS);
                List<Thread> threads = new ArrayList<>();
                for (int t = 0; t < SENDERS; t++) {
                    int sender = t;
                    Runnable r = () -> send(smtpPort, sender, users, expected, errors, go, allGreeted, sendersDone);
                    threads.add(new Thread(null, r, "smtp-" + t, 256 * 1024));
                }
                for (String u : users) {
                    Runnable r = () -> retrieveAndDelete(pop3Port, u, retrievedDuringLoad, errors, allGreeted, sendersDone);
                    threads.add(new Thread(null, r, "pop3-" + u, 256 * 1024));
                }
                threads.forEach(Thread::start);
                long t0 = System.nanoTime();
                go.countDown();
                for (Thread t : threads) {
                    t.join(120_000);
                    assertFalse(t.isAlive(), t.getName() + " still running after 120 s");
                }
                long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
                assertTrue(errors.isEmpty(), errors.size() + " errors, e.g. " + errors.stream().limit(10).toList());

                int sent = 0;
                int retrieved = 0;
                for (String u : users) {
                    List<String> during = retrievedDuringLoad.getOrDefault(u, List.of());
                    List<String> after = new ArrayList<>();
                    try (Pop3Wire pop = Pop3Wire.connect(pop3Port)) {
                        pop.login(TestMail.address(u), u + "-pw");
                        int count = pop.count();
                        for (int i = 1; i <= count; i++) {
                            after.add(checkedId(pop.retr(i), u));
                        }
                        pop.ok("QUIT");
                    }
                    List<String> all = new ArrayList<>(during);
                    all.addAll(after);
                    Set<String> unique = new HashSet<>(all);
                    assertEquals(all.size(), unique.size(), u + ": a message was delivered twice, or survived its DELE and QUIT");
                    assertEquals(expected.get(u), unique, u + ": the mailbox does not hold exactly what was acknowledged");
                    sent += expected.get(u).size();
                    retrieved += during.size();
                }
                System.out.printf("load: %d SMTP sessions x %d messages and %d POP3 sessions in %d ms; %d mailbox entries, "
                        + "%d retrieved and deleted by the POP3 sessions polling during the load%n",
                        SENDERS, MESSAGES_PER_SENDER, MAILBOXES, millis, sent, retrieved);
            }
        } finally {
            TestFiles.deleteTree(dataDir);
        }
    }

    /** Ten messages, each to all 50 mailboxes, so that the POP3 sessions have something to retrieve from the start. */
    private static void prefill(int port, String[] users, Map<String, Set<String>> expected) throws IOException {
        try (Wire w = Wire.connect(port)) {
            w.smtpReply();
            w.smtp("EHLO prefill.far.test", "250");
            for (int i = 0; i < PREFILLED; i++) {
                String id = "pre" + i;
                assertTrue(TestMail.send(w, id, users).startsWith("250 "));
                for (String u : users) {
                    expected.get(u).add(id);
                }
            }
        }
    }

    private static void send(int port, int sender, String[] users, Map<String, Set<String>> expected,
                             ConcurrentLinkedQueue<String> errors, CountDownLatch go, CountDownLatch allGreeted,
                             CountDownLatch done) {
        try {
            go.await();
            try (Wire w = Wire.connect(port)) {
                String greeting = w.smtpReply();
                if (greeting == null || !greeting.startsWith("220 ")) {
                    errors.add("sender " + sender + " greeted with " + greeting);
                    return;
                }
                w.smtp("EHLO sender" + sender + ".far.test", "250");
                // all 1,000 sessions are open and greeted at the same time before any of them sends
                allGreeted.countDown();
                if (!allGreeted.await(60, TimeUnit.SECONDS)) {
                    errors.add("sender " + sender + ": not all sessions were greeted within 60 s");
                }
                for (int k = 0; k < MESSAGES_PER_SENDER; k++) {
                    String id = "L" + sender + "x" + k;
                    int n = sender * MESSAGES_PER_SENDER + k;
                    String[] to = n % 10 == 0 ? new String[] {users[n % MAILBOXES], users[(n + 7) % MAILBOXES]}
                            : new String[] {users[n % MAILBOXES]};
                    String reply = TestMail.send(w, id, to);
                    if (reply == null || !reply.startsWith("250 ")) {
                        errors.add(id + ": " + reply);
                        continue;
                    }
                    for (String u : to) {
                        expected.get(u).add(id);
                    }
                }
                w.smtp("QUIT", "221 ");
            }
        } catch (IOException | AssertionError e) {
            errors.add("sender " + sender + ": " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            done.countDown();
        }
    }

    /**
     * Logs in, retrieves and deletes everything, quits; again and again (a POP3 client polling) until the
     * senders are done, so that snapshots are taken while mail keeps arriving.
     */
    private static void retrieveAndDelete(int port, String user, Map<String, List<String>> retrieved, ConcurrentLinkedQueue<String> errors,
                                          CountDownLatch sendersReady, CountDownLatch sendersDone) {
        List<String> ids = new ArrayList<>();
        try {
            sendersReady.await(); // start with the senders' first messages
            do {
                try (Pop3Wire pop = Pop3Wire.connect(port)) {
                    pop.login(TestMail.address(user), user + "-pw");
                    List<Long> sizes = pop.list();
                    List<String> session = new ArrayList<>();
                    for (int i = 1; i <= sizes.size(); i++) {
                        byte[] message = pop.retr(i);
                        if (message.length != sizes.get(i - 1)) {
                            errors.add(user + " message " + i + ": LIST said " + sizes.get(i - 1) + " octets, RETR gave " + message.length);
                        }
                        session.add(checkedId(message, user));
                        pop.ok("DELE " + i);
                    }
                    String bye = pop.ok("QUIT");
                    if (!bye.endsWith("left)")) {
                        errors.add(user + " QUIT: " + bye);
                    }
                    ids.addAll(session); // deleted now: counted as retrieved only once QUIT said so
                }
            } while (!sendersDone.await(300, TimeUnit.MILLISECONDS));
        } catch (IOException | AssertionError e) {
            errors.add("pop3 " + user + ": " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        retrieved.put(user, Collections.unmodifiableList(ids));
    }

    private static String checkedId(byte[] message, String user) {
        String id = TestMail.idOf(message);
        assertNotNull(id, user + ": a message without a test Message-ID");
        assertTrue(TestMail.isWhole(message, id), user + ": " + id + " is not byte-exact");
        return id;
    }
}
