package io.mailserver.store.jdbc;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mailserver.store.Delivery;
import io.mailserver.store.NotFoundException;
import io.mailserver.store.QueueEntry;
import io.mailserver.store.StoreException;
import io.mailserver.store.User;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The files backend (H2, {@code db.content = files}): the content file is durable before the metadata
 * commits, a failed force stores nothing, content is one file however many recipients, a crash between
 * file and commit leaves only an orphan that the sweep removes, and the sweep never takes the file of
 * a delivery in progress.
 */
@Timeout(120)
class ContentFilesTest extends StoreTestBase {
    private static final Instant EVERYTHING = Instant.now().plus(Duration.ofDays(1));

    @Override
    Backend backend() {
        return Backend.H2;
    }

    @Override
    ContentStorage contentStorage() {
        return ContentStorage.FILES;
    }

    private List<Path> contentFiles() throws IOException {
        Path dir = JdbcMailStore.contentDir(dataDir);
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (var walk = Files.walk(dir)) {
            return walk.filter(Files::isRegularFile).toList();
        }
    }

    private static byte[] body(int size) {
        byte[] b = new byte[size];
        for (int i = 0; i < size; i++) {
            b[i] = (byte) ('a' + i % 26);
        }
        return b;
    }

    private long deliver(byte[] content, List<Long> users, List<String> remote) throws IOException {
        try (Delivery d = store.messages().begin("s@remote.example", "Q" + System.nanoTime())) {
            d.content().write(content);
            users.forEach(d::addLocalRecipient);
            remote.forEach(d::addRemoteRecipient);
            return d.commit();
        }
    }

    private static void age(Path file) throws IOException {
        Files.setLastModifiedTime(file, FileTime.from(Instant.now().minus(FileContents.ORPHAN_AGE).minus(Duration.ofHours(1))));
    }

    @Test
    void contentForManyRecipientsIsOneFileUntilTheLastReferenceGoes() throws IOException {
        User alice = user("alice@example.test");
        User bob = user("bob@example.test");
        byte[] content = body(300_000);
        long id = deliver(content, List.of(alice.id(), bob.id()), List.of("far@remote.example"));
        assertEquals(1, contentFiles().size(), "one file for two mailboxes and a queue row");
        assertEquals(content.length, Files.size(contentFiles().get(0)));

        store.maildrops().delete(alice.id(), List.of(store.maildrops().snapshot(alice.id()).get(0).uid()));
        QueueEntry row = store.queue().claim("r", 5, Duration.ofMinutes(1)).get(0);
        store.queue().markDelivered(row, "250 ok");
        assertEquals(1, contentFiles().size(), "bob still refers to it");
        try (InputStream in = store.maildrops().open(bob.id(), store.maildrops().snapshot(bob.id()).get(0).uid())) {
            in.readNBytes("Return-Path: <s@remote.example>\r\n".length());
            assertArrayEquals(content, in.readAllBytes());
        }

        store.maildrops().delete(bob.id(), List.of(store.maildrops().snapshot(bob.id()).get(0).uid()));
        assertEquals(List.of(), contentFiles(), "unlinked with the last reference");
        assertEquals(0, count("SELECT COUNT(*) FROM messages WHERE id = ?", id));
    }

    /** Fault injection: the force of the content file fails (a disk error). Nothing may be visible after. */
    @Test
    void aFailedForceOfTheContentStoresNothingAndTheRetryStoresOnce() throws IOException {
        User alice = user("alice@example.test");
        store.durabilityListener(new DurabilityListener() {
            @Override
            public void contentSyncing(String queueId) throws IOException {
                throw new IOException("injected: Input/output error on fsync");
            }
        });
        StoreException e = assertThrows(StoreException.class,
                () -> deliver(body(100_000), List.of(alice.id()), List.of("far@remote.example")));
        assertTrue(e.getMessage().contains("injected"), e.getMessage());
        assertEquals(0, count("SELECT COUNT(*) FROM messages"));
        assertEquals(0, count("SELECT COUNT(*) FROM mailbox_entries"));
        assertEquals(0, count("SELECT COUNT(*) FROM outbound_queue"));
        assertEquals(List.of(), contentFiles(), "the content file is gone too");

        store.durabilityListener(null);
        deliver(body(100_000), List.of(alice.id()), List.of("far@remote.example"));
        assertEquals(1, count("SELECT COUNT(*) FROM mailbox_entries"));
        assertEquals(1, count("SELECT COUNT(*) FROM outbound_queue"));
        assertEquals(1, contentFiles().size());
    }

    /** The order that makes a 250 true: content file durable, then the metadata commit, then its sync. */
    @Test
    void theContentFileIsDurableBeforeTheMetadataCommits() throws IOException {
        User alice = user("alice@example.test");
        List<String> events = new CopyOnWriteArrayList<>();
        store.durabilityListener(new DurabilityListener() {
            @Override
            public void contentDurable(String queueId) {
                // at this moment no row may name the file yet, and the file must be under its final name
                events.add("content durable; rows: " + count("SELECT COUNT(*) FROM messages WHERE queue_id = ?", queueId));
            }

            @Override
            public void committed(String queueId, boolean flushedByCommit) {
                events.add("committed; rows: " + count("SELECT COUNT(*) FROM messages WHERE queue_id = ?", queueId));
            }

            @Override
            public void syncFinished(boolean succeeded) {
                if (succeeded && !events.isEmpty() && events.get(events.size() - 1).startsWith("committed")) {
                    events.add("synced");
                }
            }
        });
        deliver(body(10_000), List.of(alice.id()), List.of());
        assertEquals(List.of("content durable; rows: 0", "committed; rows: 1", "synced"), events);
    }

    /**
     * The sweep runs while a delivery writes its file, and again between the file's rename and the
     * metadata commit, with every file old enough: the in-flight set must keep it from both.
     */
    @Test
    void theSweepNeverTakesTheFileOfADeliveryInProgress() throws IOException {
        User alice = user("alice@example.test");
        List<Integer> sweptBeforeCommit = new CopyOnWriteArrayList<>();
        store.durabilityListener(new DurabilityListener() {
            @Override
            public void contentDurable(String queueId) {
                try {
                    for (Path f : contentFiles()) {
                        age(f);
                    }
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
                sweptBeforeCommit.add(store.sweepOrphanFiles(EVERYTHING));
            }
        });
        byte[] content = body(500_000);
        long uid;
        try (Delivery d = store.messages().begin("s@remote.example", "QINFLIGHT")) {
            d.content().write(content, 0, 200_000); // past the memory part: the temporary file exists
            for (Path f : contentFiles()) {
                age(f);
            }
            assertEquals(1, contentFiles().size());
            assertEquals(0, store.sweepOrphanFiles(EVERYTHING), "the temporary file of a delivery being written");
            d.content().write(content, 200_000, content.length - 200_000);
            d.addLocalRecipient(alice.id());
            d.commit();
        }
        assertEquals(List.of(0), sweptBeforeCommit, "the file between its rename and the metadata commit");
        uid = store.maildrops().snapshot(alice.id()).get(0).uid();
        try (InputStream in = store.maildrops().open(alice.id(), uid)) {
            in.readNBytes("Return-Path: <s@remote.example>\r\n".length());
            assertArrayEquals(content, in.readAllBytes());
        }
    }

    @Test
    void theSweepDeletesOldFilesNoRowNamesAndNothingElse() throws IOException {
        User alice = user("alice@example.test");
        byte[] content = body(20_000);
        deliver(content, List.of(alice.id()), List.of());
        Path live = contentFiles().get(0);
        Path dir = JdbcMailStore.contentDir(dataDir).resolve("ab");
        Files.createDirectories(dir);
        Path oldOrphan = Files.write(dir.resolve("ab" + "0".repeat(30)), body(10));
        Path oldTemp = Files.write(dir.resolve("ab" + "1".repeat(30) + ".tmp"), body(10));
        Path youngOrphan = Files.write(dir.resolve("ab" + "2".repeat(30)), body(10));
        for (Path f : List.of(live, oldOrphan, oldTemp)) {
            age(f);
        }

        assertEquals(2, store.sweepOrphanFiles(Instant.now().minus(FileContents.ORPHAN_AGE)));

        assertEquals(List.of(live, youngOrphan).stream().sorted().toList(), contentFiles().stream().sorted().toList());
        try (InputStream in = store.maildrops().open(alice.id(), store.maildrops().snapshot(alice.id()).get(0).uid())) {
            in.readNBytes("Return-Path: <s@remote.example>\r\n".length());
            assertArrayEquals(content, in.readAllBytes());
        }
    }

    /**
     * A real crash between the content file and its metadata commit: a child JVM stops right after its
     * file is durable and is killed with SIGKILL. The reopened store shows no message, and the file left
     * behind is an orphan that the sweep removes once it is old enough.
     */
    @Test
    void aCrashBetweenTheFileAndItsCommitLeavesOnlyAnOrphanForTheSweep() throws Exception {
        long userId = user("alice@example.test").id();
        store.close();
        store = null;
        Process child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), DeliveringChild.class.getName(),
                backend().url(dataDir), backend().user(), dataDir.toString(), Long.toString(userId), "1", "stop-after-content")
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        List<String> lines = new ArrayList<>();
        try (BufferedReader in = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.US_ASCII))) {
            String line;
            while ((line = in.readLine()) != null) {
                if (line.equals("READY") || line.equals("CONTENT DURABLE") || line.startsWith("ERROR") || line.startsWith("COMMITTED")) {
                    lines.add(line); // the child's log lines go to stdout too
                }
                if (line.equals("CONTENT DURABLE")) {
                    child.toHandle().destroyForcibly(); // SIGKILL
                    break;
                }
            }
        } finally {
            child.destroyForcibly();
            child.waitFor(30, TimeUnit.SECONDS);
        }
        assertEquals(List.of("READY", "CONTENT DURABLE"), lines);

        store = reopen();
        assertEquals(0, count("SELECT COUNT(*) FROM messages"), "no visible half");
        assertEquals(0, count("SELECT COUNT(*) FROM mailbox_entries"));
        assertEquals(0, count("SELECT COUNT(*) FROM outbound_queue"));
        assertEquals(List.of(), store.maildrops().snapshot(userId));
        List<Path> left = contentFiles();
        assertEquals(1, left.size(), "the durable content file, named by no row: " + left);
        assertEquals(DeliveringChild.BODY.length, Files.size(left.get(0)));

        assertEquals(0, store.sweepOrphanFiles(Instant.now().minus(FileContents.ORPHAN_AGE)), "too young to be swept yet");
        age(left.get(0));
        assertEquals(1, store.sweepOrphanFiles(Instant.now().minus(FileContents.ORPHAN_AGE)));
        assertEquals(List.of(), contentFiles());
    }

    /**
     * The server's open makes all 256 fan-out directories (so mailctl, which may write a bounce, never makes
     * one), owner-only like the data directory; content files are owner-only too.
     */
    @Test
    void contentDirectoriesAreMadeAtOpenAndEverythingIsOwnerOnly() throws IOException {
        Path root = JdbcMailStore.contentDir(dataDir);
        try (var dirs = Files.list(root)) {
            assertEquals(256, dirs.filter(Files::isDirectory).count());
        }
        User alice = user("alice@example.test");
        deliver(body(100_000), List.of(alice.id()), List.of());
        Path file = contentFiles().get(0);
        assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        assertEquals("rwx------", java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(file.getParent())));
        assertEquals("rwx------", java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(root)));
    }

    /** A file deleted under a row (by hand, or a disk fault) is reported as a missing message, not a half one. */
    @Test
    void aMissingFileIsReportedWhenOpened() throws IOException {
        User alice = user("alice@example.test");
        deliver(body(1_000), List.of(alice.id()), List.of());
        Files.delete(contentFiles().get(0));
        long uid = store.maildrops().snapshot(alice.id()).get(0).uid();
        assertThrows(NotFoundException.class, () -> store.maildrops().open(alice.id(), uid));
        assertEquals(0, store.maildrops().delete(alice.id(), List.of(uid)), "and it can still be deleted");
        assertEquals(0, count("SELECT COUNT(*) FROM messages"));
    }
}
