package io.mailserver.store.jdbc;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mailserver.store.Delivery;
import io.mailserver.store.MaildropEntry;
import io.mailserver.store.MaildropStore.Lock;
import io.mailserver.store.NotFoundException;
import io.mailserver.store.QueueEntry;
import io.mailserver.store.QueueEntry.State;
import io.mailserver.store.QueueStore.MarkResult;
import io.mailserver.store.QueueStore.Purged;
import io.mailserver.store.StoreException;
import io.mailserver.store.User;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Deliveries, maildrops and the outbound queue; run on H2 and PostgreSQL by the subclasses. */
@Timeout(120)
abstract class MessagesContract extends StoreTestBase {
    static final String BODY = "Subject: hello\r\n\r\nline one\r\n.line two\r\n";

    static String read(InputStream in) throws IOException {
        try (in) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Test
    void localDeliveryIsStoredOnceAndReadBackWithReturnPath() throws IOException {
        User alice = user("alice@example.test");
        User bob = user("bob@example.test");
        long id = deliver("sender@remote.example", BODY, List.of(alice.id(), bob.id(), alice.id()), List.of());

        assertEquals(1, count("SELECT COUNT(*) FROM messages"));
        assertEquals(1, contentPieces(id), "stored once");
        assertEquals(1, storedPieces());
        List<MaildropEntry> drop = store.maildrops().snapshot(alice.id());
        assertEquals(1, drop.size(), "a user added twice gets one copy");
        String expected = "Return-Path: <sender@remote.example>\r\n" + BODY;
        assertEquals(expected.length(), drop.get(0).size());
        assertEquals(expected, read(store.maildrops().open(alice.id(), drop.get(0).uid())));
        assertEquals(expected, read(store.maildrops().open(bob.id(), store.maildrops().snapshot(bob.id()).get(0).uid())));
        assertThrows(NotFoundException.class, () -> store.maildrops().open(bob.id(), drop.get(0).uid()), "another user's uid");
    }

    @Test
    void nullSenderGetsAnEmptyReturnPath() throws IOException {
        User alice = user("alice@example.test");
        deliver("", "x\r\n", List.of(alice.id()), List.of());
        MaildropEntry e = store.maildrops().snapshot(alice.id()).get(0);
        assertEquals("Return-Path: <>\r\nx\r\n", read(store.maildrops().open(alice.id(), e.uid())));
        assertEquals("Return-Path: <>\r\nx\r\n".length(), e.size());
    }

    @Test
    void prependedHeaderLinesComeFirstAndCountInTheSize() throws IOException {
        User alice = user("alice@example.test");
        byte[] chunk = new byte[300 * 1024]; // more than one chunk behind the header
        java.util.Arrays.fill(chunk, (byte) 'x');
        String header = "Authentication-Results: mx.example.test; none\r\n";
        try (Delivery d = store.messages().begin("a@remote.example", "Q1")) {
            d.content().write("Received: by mx\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            d.content().write(chunk);
            d.prepend(header.getBytes(StandardCharsets.US_ASCII));
            d.addLocalRecipient(alice.id());
            d.commit();
        }
        MaildropEntry e = store.maildrops().snapshot(alice.id()).get(0);
        String expected = "Return-Path: <a@remote.example>\r\n" + header + "Received: by mx\r\n\r\n" + "x".repeat(chunk.length);
        assertEquals(expected.length(), e.size());
        assertEquals(expected, read(store.maildrops().open(alice.id(), e.uid())));
    }

    @Test
    void uidsIncreaseAndAreNeverReused() {
        User alice = user("alice@example.test");
        deliver("a@remote.example", "1\r\n", List.of(alice.id()), List.of());
        deliver("a@remote.example", "2\r\n", List.of(alice.id()), List.of());
        List<MaildropEntry> first = store.maildrops().snapshot(alice.id());
        assertTrue(first.get(0).uid() < first.get(1).uid());
        assertEquals(0, store.maildrops().delete(alice.id(), List.of(first.get(0).uid(), first.get(1).uid())));
        deliver("a@remote.example", "3\r\n", List.of(alice.id()), List.of());
        assertTrue(store.maildrops().snapshot(alice.id()).get(0).uid() > first.get(1).uid());
    }

    @Test
    void contentIsReclaimedWhenTheLastMailboxEntryGoes() {
        User alice = user("alice@example.test");
        User bob = user("bob@example.test");
        long id = deliver("a@remote.example", BODY, List.of(alice.id(), bob.id()), List.of());
        deliver("a@remote.example", "other\r\n", List.of(alice.id()), List.of());

        long aliceUid = store.maildrops().snapshot(alice.id()).get(0).uid();
        assertEquals(1, store.maildrops().delete(alice.id(), List.of(aliceUid)));
        assertEquals(1, count("SELECT COUNT(*) FROM messages WHERE id = ?", id), "bob still has it");

        long bobUid = store.maildrops().snapshot(bob.id()).get(0).uid();
        assertEquals(0, store.maildrops().delete(bob.id(), List.of(bobUid, 999_999L)));
        assertEquals(0, count("SELECT COUNT(*) FROM messages WHERE id = ?", id));
        assertEquals(1, count("SELECT COUNT(*) FROM messages"));
        assertEquals(1, storedPieces(), "only the other message's content is left");
    }

    @Test
    void concurrentDeletesOfTheLastTwoReferencesStillReclaim() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            for (int round = 0; round < 10; round++) {
                User a = user("a" + round + "@example.test");
                User b = user("b" + round + "@example.test");
                long id = deliver("x@remote.example", BODY, List.of(a.id(), b.id()), List.of());
                long ua = store.maildrops().snapshot(a.id()).get(0).uid();
                long ub = store.maildrops().snapshot(b.id()).get(0).uid();
                CountDownLatch go = new CountDownLatch(1);
                Future<?> fa = pool.submit(() -> {
                    go.await();
                    return store.maildrops().delete(a.id(), List.of(ua));
                });
                Future<?> fb = pool.submit(() -> {
                    go.await();
                    return store.maildrops().delete(b.id(), List.of(ub));
                });
                go.countDown();
                fa.get();
                fb.get();
                assertEquals(0, count("SELECT COUNT(*) FROM messages WHERE id = ?", id), "round " + round);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void anUncommittedDeliveryLeavesNothing() throws IOException {
        User alice = user("alice@example.test");
        try (Delivery d = store.messages().begin("a@remote.example", "Q1")) {
            d.content().write(new byte[600_000]); // spills to a temporary file (files: the content file's temporary name)
            d.addLocalRecipient(alice.id());
            assertEquals(1, spilledFiles());
        }
        assertEquals(0, count("SELECT COUNT(*) FROM messages"));
        assertEquals(0, spilledFiles(), "temporary file deleted on close");
        assertEquals(0, storedPieces());
    }

    @Test
    void aFailedCommitStoresNothing() throws IOException {
        User alice = user("alice@example.test");
        try (Delivery d = store.messages().begin("a@remote.example", "Q1")) {
            d.content().write(new byte[300_000]);
            d.addLocalRecipient(alice.id());
            d.addLocalRecipient(987_654L); // no such user: the foreign key fails
            d.addRemoteRecipient("r@remote.example");
            assertThrows(StoreException.class, d::commit);
        }
        assertEquals(0, count("SELECT COUNT(*) FROM messages"));
        assertEquals(0, storedPieces(), "no chunk and no content file left");
        assertEquals(0, count("SELECT COUNT(*) FROM mailbox_entries"));
        assertEquals(0, count("SELECT COUNT(*) FROM outbound_queue"));
    }

    /** Files in the spill directory and temporary content files: what a delivery in progress has on disk. */
    long spilledFiles() throws IOException {
        long n = 0;
        for (var dir : List.of(dataDir.resolve("tmp"), JdbcMailStore.contentDir(dataDir))) {
            if (Files.isDirectory(dir)) {
                try (var walk = Files.walk(dir)) {
                    n += walk.filter(Files::isRegularFile).count();
                }
            }
        }
        return n;
    }

    @Test
    void maildropLockIsExclusiveUntilReleasedOrExpired() throws InterruptedException {
        User alice = user("alice@example.test");
        Lock lock = store.maildrops().tryLock(alice.id(), Duration.ofMinutes(5)).orElseThrow();
        assertTrue(store.maildrops().tryLock(alice.id(), Duration.ofMinutes(5)).isEmpty());
        assertTrue(store.maildrops().refresh(lock, Duration.ofMinutes(5)));
        store.maildrops().unlock(lock);
        assertFalse(store.maildrops().refresh(lock, Duration.ofMinutes(5)), "released");

        Lock shortLived = store.maildrops().tryLock(alice.id(), Duration.ofMillis(100)).orElseThrow();
        Thread.sleep(200);
        Lock taker = store.maildrops().tryLock(alice.id(), Duration.ofMinutes(5)).orElseThrow();
        assertFalse(store.maildrops().refresh(shortLived, Duration.ofMinutes(5)), "an expired lock was taken over");
        store.maildrops().unlock(shortLived); // a stale holder cannot release the new holder's lock
        assertTrue(store.maildrops().tryLock(alice.id(), Duration.ofMinutes(5)).isEmpty());
        store.maildrops().unlock(taker);
    }

    @Test
    void maildropLockIsTakenByExactlyOneOfManyRacers() throws Exception {
        User alice = user("alice@example.test");
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            CountDownLatch go = new CountDownLatch(1);
            List<Future<Optional<Lock>>> results = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                results.add(pool.submit(() -> {
                    go.await();
                    return store.maildrops().tryLock(alice.id(), Duration.ofMinutes(1));
                }));
            }
            go.countDown();
            int won = 0;
            for (Future<Optional<Lock>> f : results) {
                won += f.get().isPresent() ? 1 : 0;
            }
            assertEquals(1, won);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void remoteRecipientsAreQueuedAndWalkThroughTheirStates() throws IOException {
        User alice = user("alice@example.test");
        long id = deliver("alice@example.test", BODY, List.of(alice.id()), List.of("x@remote.example", "y@remote.example"));
        List<QueueEntry> rows = store.queue().list();
        assertEquals(2, rows.size());
        QueueEntry x = rows.get(0);
        assertEquals(id, x.messageId());
        assertEquals("x@remote.example", x.recipient());
        assertEquals("alice@example.test", x.sender());
        assertEquals(State.QUEUED, x.state());
        assertEquals(BODY, read(store.queue().openContent(id)));

        List<QueueEntry> claimed = store.queue().claim("runner-1", 10, Duration.ofMinutes(5));
        assertEquals(List.of(x.id(), rows.get(1).id()), claimed.stream().map(QueueEntry::id).toList());
        assertEquals(State.SENDING, claimed.get(0).state());
        assertTrue(store.queue().claim("runner-2", 10, Duration.ofMinutes(5)).isEmpty());

        assertEquals(MarkResult.RECORDED, store.queue().markDeferred(claimed.get(0), Instant.now().plus(Duration.ofHours(1)), "451 4.3.0 try later"));
        QueueEntry deferred = store.queue().find(x.id()).orElseThrow();
        assertEquals(State.DEFERRED, deferred.state());
        assertEquals(1, deferred.attempts());
        assertEquals("451 4.3.0 try later", deferred.lastReply());
        assertTrue(store.queue().claim("runner-1", 10, Duration.ofMinutes(5)).isEmpty(), "not due yet");
        assertEquals(1, store.queue().retryNow(Optional.empty()));
        List<QueueEntry> again = store.queue().claim("runner-1", 10, Duration.ofMinutes(5));
        assertEquals(List.of(x.id()), again.stream().map(QueueEntry::id).toList());

        store.queue().markDelivered(again.get(0), "250 ok");
        store.queue().markFailed(claimed.get(1), "550 5.1.1 no such user");
        assertEquals(State.DELIVERED, store.queue().find(x.id()).orElseThrow().state());
        assertEquals(2, store.queue().find(x.id()).orElseThrow().attempts());
        assertEquals(1, count("SELECT COUNT(*) FROM messages WHERE id = ?", id), "the failed row keeps its content; alice too");

        store.maildrops().delete(alice.id(), List.of(store.maildrops().snapshot(alice.id()).get(0).uid()));
        assertEquals(1, count("SELECT COUNT(*) FROM messages WHERE id = ?", id), "failed row still holds it");
        assertTrue(store.queue().delete(rows.get(1).id()));
        assertFalse(store.queue().delete(rows.get(1).id()));
        assertEquals(0, count("SELECT COUNT(*) FROM messages WHERE id = ?", id), "only delivered history remains");
        assertThrows(NotFoundException.class, () -> store.queue().openContent(id));
        assertEquals(1, store.queue().list().size(), "delivered row kept as history");
    }

    @Test
    void anOutcomeForARowTheOperatorDeletedIsIgnored() {
        deliver("a@remote.example", BODY, List.of(), List.of("x@remote.example"));
        QueueEntry row = store.queue().claim("r", 1, Duration.ofMinutes(1)).get(0);
        assertTrue(store.queue().delete(row.id()));
        assertEquals(MarkResult.ROW_GONE, store.queue().markDelivered(row, "250 ok"));
        assertTrue(store.queue().list().isEmpty());
    }

    @Test
    void onlyARowReturnedByAClaimCanBeMarked() {
        deliver("a@remote.example", BODY, List.of(), List.of("x@remote.example"));
        store.queue().claim("r", 1, Duration.ofMinutes(1));
        QueueEntry listed = store.queue().list().get(0);
        assertThrows(IllegalArgumentException.class, () -> store.queue().markDelivered(listed, "250"));
        assertEquals(State.SENDING, store.queue().find(listed.id()).orElseThrow().state());
    }

    /**
     * Runner 1 stalls past its lease; runner 2 claims the row and delivers it; then runner 1 wakes and
     * reports its own (stale) outcome. The row keeps runner 2's outcome.
     */
    @Test
    void aRunnerWhoseLeaseLapsedCannotOverwriteTheOutcomeOfTheNextClaim() throws InterruptedException {
        deliver("a@remote.example", BODY, List.of(), List.of("x@remote.example"));
        QueueEntry stale = store.queue().claim("runner-1", 1, Duration.ofMillis(100)).get(0);
        Thread.sleep(200);
        QueueEntry current = store.queue().claim("runner-2", 1, Duration.ofMinutes(1)).get(0);
        assertEquals(stale.id(), current.id());

        assertEquals(List.of(), store.queue().confirmClaims(List.of(stale), Duration.ofMinutes(1)), "runner 1 no longer holds it");
        assertEquals(MarkResult.CLAIM_LOST, store.queue().markFailed(stale, "550 5.1.1 from runner 1"));
        assertEquals("runner-2", string("SELECT claimed_by FROM outbound_queue WHERE id = ?", current.id()));
        assertEquals(State.SENDING, store.queue().find(current.id()).orElseThrow().state());

        assertEquals(List.of(current), store.queue().confirmClaims(List.of(current), Duration.ofMinutes(1)));
        assertEquals(MarkResult.RECORDED, store.queue().markDelivered(current, "250 2.0.0 from runner 2"));
        assertEquals(MarkResult.CLAIM_LOST, store.queue().markDeferred(stale, Instant.now(), "451 4.4.2 from runner 1"));
        assertEquals(MarkResult.CLAIM_LOST, store.queue().markDelivered(current, "250 twice"), "an outcome is recorded once");

        QueueEntry row = store.queue().find(current.id()).orElseThrow();
        assertEquals(State.DELIVERED, row.state());
        assertEquals("250 2.0.0 from runner 2", row.lastReply());
        assertEquals(1, row.attempts());
    }

    /** A runner that claims a row again after its own lease lapsed holds a new claim; the old one is void. */
    @Test
    void reclaimingByTheSameRunnerVoidsItsEarlierClaim() throws InterruptedException {
        deliver("a@remote.example", BODY, List.of(), List.of("x@remote.example"));
        QueueEntry first = store.queue().claim("runner-1", 1, Duration.ofMillis(100)).get(0);
        Thread.sleep(200);
        QueueEntry second = store.queue().claim("runner-1", 1, Duration.ofMinutes(1)).get(0);
        assertEquals(MarkResult.CLAIM_LOST, store.queue().markDelivered(first, "250 first"));
        assertEquals(MarkResult.RECORDED, store.queue().markDelivered(second, "250 second"));
        assertEquals("250 second", store.queue().find(second.id()).orElseThrow().lastReply());
    }

    /** A lapsed lease alone takes nothing away: while no one else has claimed the row, its runner still records. */
    @Test
    void aLapsedLeaseThatNobodyTookOverStillRecords() throws InterruptedException {
        deliver("a@remote.example", BODY, List.of(), List.of("x@remote.example"));
        QueueEntry slow = store.queue().claim("runner-1", 1, Duration.ofMillis(100)).get(0);
        Thread.sleep(200);
        assertEquals(List.of(slow), store.queue().confirmClaims(List.of(slow), Duration.ofMinutes(1)), "confirming renews the lease");
        assertTrue(store.queue().claim("runner-2", 1, Duration.ofMinutes(1)).isEmpty());
        assertEquals(MarkResult.RECORDED, store.queue().markDelivered(slow, "250 ok"));
    }

    /** A node of the previous version claims without writing a token; its claim still voids ours. */
    @Test
    void aClaimByANodeOfThePreviousVersionAlsoVoidsOurs() throws InterruptedException {
        deliver("a@remote.example", BODY, List.of(), List.of("x@remote.example"));
        QueueEntry ours = store.queue().claim("runner-1", 1, Duration.ofMillis(100)).get(0);
        Thread.sleep(200);
        // the previous version's claim update, verbatim apart from its parameters
        store.database().write("claiming as the previous version", c -> Accounts.update(c,
                "UPDATE outbound_queue SET state = 'SENDING', claimed_by = 'old-node', lease_until = CURRENT_TIMESTAMP WHERE id = ?", ours.id()));
        assertEquals(MarkResult.CLAIM_LOST, store.queue().markFailed(ours, "550"));
        assertEquals(State.SENDING, store.queue().find(ours.id()).orElseThrow().state());
    }

    @Test
    void deliveredRowsReclaimContentWhenNothingElseNeedsIt() {
        user("alice@example.test");
        long id = deliver("alice@example.test", BODY, List.of(), List.of("x@remote.example"));
        QueueEntry row = store.queue().claim("r", 1, Duration.ofMinutes(1)).get(0);
        store.queue().markDelivered(row, "250 2.0.0 ok");
        assertEquals(0, count("SELECT COUNT(*) FROM messages WHERE id = ?", id));
    }

    @Test
    void purgeRemovesFinishedRowsOlderThanTheCutoffAndTheirContent() {
        long id = deliver("a@remote.example", BODY, List.of(), List.of("x@remote.example", "y@remote.example", "z@remote.example"));
        List<QueueEntry> rows = store.queue().claim("r", 5, Duration.ofMinutes(1));
        store.queue().markDelivered(rows.get(0), "250");
        store.queue().markFailed(rows.get(1), "550");
        assertEquals(new Purged(0, 0, 0), store.queue().purge(Instant.now().minus(Duration.ofHours(1))), "too recent");
        assertEquals(new Purged(2, 0, 0), store.queue().purge(Instant.now().plus(Duration.ofSeconds(1))));
        assertEquals(List.of(rows.get(2).id()), store.queue().list().stream().map(QueueEntry::id).toList(), "the SENDING row stays");
        assertEquals(1, count("SELECT COUNT(*) FROM messages WHERE id = ?", id), "still needed by the SENDING row");
        store.queue().markFailed(rows.get(2), "550");
        assertEquals(new Purged(1, 1, BODY.length()), store.queue().purge(Instant.now().plus(Duration.ofSeconds(1))));
        assertEquals(0, count("SELECT COUNT(*) FROM messages WHERE id = ?", id));
        assertEquals(0, storedPieces());
    }

    /**
     * More finished rows than one purge transaction takes: every batch goes, content shared with a mailbox
     * stays until the mailbox lets go of it, and only content nothing else needs is counted.
     */
    @Test
    void purgeWorksThroughManyBatchesAndKeepsContentOthersNeed() {
        User alice = user("alice@example.test");
        int many = 2 * JdbcQueue.PURGE_BATCH + 3;
        List<String> recipients = new ArrayList<>();
        for (int i = 0; i < many; i++) {
            recipients.add("r" + i + "@remote.example");
        }
        long bulk = deliver("a@remote.example", BODY, List.of(), recipients);
        long shared = deliver("a@remote.example", "shared\r\n", List.of(alice.id()), List.of("s@remote.example"));
        long waiting = deliver("a@remote.example", "waiting\r\n", List.of(), List.of("w@remote.example"));
        store.database().write("finishing the rows an hour ago", c -> Accounts.update(c,
                "UPDATE outbound_queue SET state = CASE WHEN MOD(id, 2) = 0 THEN 'DELIVERED' ELSE 'FAILED' END,"
                        + " finished_at = CURRENT_TIMESTAMP - INTERVAL '1' HOUR WHERE message_id <> ?", waiting));

        assertEquals(new Purged(0, 0, 0), store.queue().purge(Instant.now().minus(Duration.ofHours(2))), "finished after the cutoff");
        assertEquals(new Purged(many + 1, 1, BODY.length()), store.queue().purge(Instant.now()));

        assertEquals(List.of("w@remote.example"), store.queue().list().stream().map(QueueEntry::recipient).toList());
        assertEquals(0, count("SELECT COUNT(*) FROM messages WHERE id = ?", bulk));
        assertEquals(1, count("SELECT COUNT(*) FROM messages WHERE id = ?", shared), "alice still has it");
        assertEquals(1, count("SELECT COUNT(*) FROM messages WHERE id = ?", waiting), "its row still waits");
    }

    @Test
    void anExpiredLeaseMakesARowClaimableAgain() throws InterruptedException {
        deliver("a@remote.example", BODY, List.of(), List.of("x@remote.example"));
        // 1 s, not less: on a loaded machine the second claim came more than 100 ms after the first
        assertEquals(1, store.queue().claim("dead-runner", 5, Duration.ofSeconds(1)).size());
        assertTrue(store.queue().claim("other", 5, Duration.ofMinutes(1)).isEmpty());
        Thread.sleep(1_200);
        List<QueueEntry> again = store.queue().claim("other", 5, Duration.ofMinutes(1));
        assertEquals(1, again.size());
        assertEquals("other", string("SELECT claimed_by FROM outbound_queue WHERE id = ?", again.get(0).id()));
    }

    @Test
    void eightRunnersClaimEveryRowExactlyOnce() throws Exception {
        int rows = 400;
        try (Delivery d = store.messages().begin("a@remote.example", "Q")) {
            d.content().write(BODY.getBytes(StandardCharsets.US_ASCII));
            for (int i = 0; i < rows; i++) {
                d.addRemoteRecipient("r" + i + "@remote.example");
            }
            d.commit();
        }
        Set<Long> seen = ConcurrentHashMap.newKeySet();
        AtomicInteger duplicates = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            CountDownLatch go = new CountDownLatch(1);
            List<Future<?>> runners = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                String runner = "runner-" + t;
                runners.add(pool.submit(() -> {
                    go.await();
                    while (true) {
                        List<QueueEntry> batch = store.queue().claim(runner, 7, Duration.ofMinutes(5));
                        if (batch.isEmpty()) {
                            return null;
                        }
                        for (QueueEntry e : batch) {
                            if (!seen.add(e.id())) {
                                duplicates.incrementAndGet();
                            }
                        }
                    }
                }));
            }
            go.countDown();
            for (Future<?> f : runners) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
        assertEquals(0, duplicates.get());
        assertEquals(rows, seen.size());
        assertEquals(rows, count("SELECT COUNT(*) FROM outbound_queue WHERE state = 'SENDING'"));
    }

    @Test
    void retryNowOfOneRow() {
        deliver("a@remote.example", BODY, List.of(), List.of("x@remote.example", "y@remote.example"));
        List<QueueEntry> claimed = store.queue().claim("r", 5, Duration.ofMinutes(1));
        for (QueueEntry e : claimed) {
            store.queue().markDeferred(e, Instant.now().plus(Duration.ofHours(1)), "451");
        }
        assertEquals(1, store.queue().retryNow(Optional.of(claimed.get(1).id())));
        assertEquals(List.of(claimed.get(1).id()), store.queue().claim("r", 5, Duration.ofMinutes(1)).stream().map(QueueEntry::id).toList());
        assertEquals(0, store.queue().retryNow(Optional.of(claimed.get(1).id())), "a row being sent is not waiting");
    }

    @Test
    void aFiftyMegabyteMessageStreamsInAndOut() throws Exception {
        User alice = user("alice@example.test");
        long size = 50L * 1024 * 1024;
        Generated in = new Generated(size);
        try (Delivery d = store.messages().begin("big@remote.example", "QBIG")) {
            in.transferTo(d.content());
            d.addLocalRecipient(alice.id());
            d.addRemoteRecipient("far@remote.example");
            d.commit();
        }
        MaildropEntry e = store.maildrops().snapshot(alice.id()).get(0);
        byte[] returnPath = "Return-Path: <big@remote.example>\r\n".getBytes(StandardCharsets.US_ASCII);
        assertEquals(returnPath.length + size, e.size());
        try (InputStream out = store.maildrops().open(alice.id(), e.uid())) {
            assertArrayEquals(returnPath, out.readNBytes(returnPath.length));
            assertArrayEquals(in.digest(), Generated.sha256(out));
        }
        try (InputStream out = store.queue().openContent(store.queue().list().get(0).messageId())) {
            assertArrayEquals(in.digest(), Generated.sha256(out));
        }
        assertEquals(piecesFor(200), storedPieces(), "stored once for both recipients");
    }

    /**
     * The benchmark's bug: on H2 one transaction deleting all 200 chunk rows kept them in its undo log
     * and ran out of a 64 MB heap (the store's tests run with -Xmx64m), then H2 closed the database.
     */
    @Test
    void aFiftyMegabyteMessageIsDeletedWithASmallHeap() throws Exception {
        User alice = user("alice@example.test");
        long id;
        try (Delivery d = store.messages().begin("big@remote.example", "QBIG")) {
            new Generated(50L * 1024 * 1024).transferTo(d.content());
            d.addLocalRecipient(alice.id());
            id = d.commit();
        }
        assertEquals(piecesFor(200), contentPieces(id));
        long uid = store.maildrops().snapshot(alice.id()).get(0).uid();

        assertEquals(0, store.maildrops().delete(alice.id(), List.of(uid)));

        assertEquals(0, count("SELECT COUNT(*) FROM mailbox_entries"));
        assertEquals(0, storedPieces());
        assertEquals(0, count("SELECT COUNT(*) FROM messages"));
        assertTrue(store.isAvailable(), "the database is still open");
        deliver("a@remote.example", BODY, List.of(alice.id()), List.of());
        assertEquals(1, store.maildrops().snapshot(alice.id()).size());
    }

    /** Removing a user reclaims its mail the same way: in small transactions after the commit. */
    @Test
    void removingAUserWithAFiftyMegabyteMessageWorksWithASmallHeap() throws Exception {
        User alice = user("alice@example.test");
        try (Delivery d = store.messages().begin("big@remote.example", "QBIG")) {
            new Generated(50L * 1024 * 1024).transferTo(d.content());
            d.addLocalRecipient(alice.id());
            d.commit();
        }
        store.users().remove(addr("alice@example.test"));
        assertEquals(0, storedPieces());
        assertEquals(0, count("SELECT COUNT(*) FROM messages"));
        assertTrue(store.isAvailable());
    }

    /** A crash between removing the last reference and reclaiming the content leaks nothing for good. */
    @Test
    void theSweeperReclaimsContentThatNothingReferences() throws Exception {
        User alice = user("alice@example.test");
        long orphan;
        try (Delivery d = store.messages().begin("big@remote.example", "QORPHAN")) {
            new Generated(3L * 256 * 1024 + 5).transferTo(d.content());
            d.addLocalRecipient(alice.id());
            orphan = d.commit();
        }
        long kept = deliver("a@remote.example", BODY, List.of(alice.id()), List.of());
        long queued = deliver("a@remote.example", BODY, List.of(), List.of("x@remote.example"));
        long failed = deliver("a@remote.example", BODY, List.of(), List.of("y@remote.example"));
        store.queue().markFailed(store.queue().claim("r", 5, Duration.ofMinutes(1)).stream().filter(q -> q.messageId() == failed)
                .findFirst().orElseThrow(), "550");
        // The "crash": the entry is gone, the content was never reclaimed.
        store.database().write("deleting an entry only", c -> Accounts.update(c, "DELETE FROM mailbox_entries WHERE message_id = ?", orphan));
        assertEquals(piecesFor(4), contentPieces(orphan));
        assertEquals(piecesFor(4) + 3, storedPieces());

        assertEquals(1, store.sweepUnreferencedContent());

        assertEquals(0, count("SELECT COUNT(*) FROM messages WHERE id = ?", orphan));
        assertEquals(3, storedPieces(), "only the three live messages' content is left");
        for (long live : List.of(kept, queued, failed)) {
            assertEquals(1, count("SELECT COUNT(*) FROM messages WHERE id = ?", live), "message " + live);
            assertEquals(1, contentPieces(live), "message " + live);
        }
        assertEquals(0, store.sweepUnreferencedContent(), "nothing left to sweep");
    }

    /** The store sweeps when it opens, so content orphaned by a crash goes at the next start. */
    @Test
    void openingTheStoreSweepsOrphanedContent() throws Exception {
        User alice = user("alice@example.test");
        long orphan = deliver("a@remote.example", BODY, List.of(alice.id()), List.of());
        store.database().write("deleting an entry only", c -> Accounts.update(c, "DELETE FROM mailbox_entries WHERE message_id = ?", orphan));
        store.close();
        store = reopen();
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (count("SELECT COUNT(*) FROM messages WHERE id = ?", orphan) != 0 && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertEquals(0, count("SELECT COUNT(*) FROM messages WHERE id = ?", orphan));
        assertEquals(0, storedPieces());
    }
}
