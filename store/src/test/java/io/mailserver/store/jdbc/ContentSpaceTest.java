package io.mailserver.store.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mailserver.store.Delivery;
import io.mailserver.store.MaildropEntry;
import io.mailserver.store.User;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Space given back while the store runs (embedded H2, content in files): 10 KB messages pass through
 * eight mailboxes and are deleted the way POP3 deletes them, a few stay. After each burst the content
 * directory holds exactly the live content. The H2 file (metadata only now) keeps the high-water mark
 * of the burst, since MVStore frees a chunk only after its 45 s retention time and never shrinks the
 * file while it is open; a second burst after the retention time reuses that space instead of growing
 * the file. Figures: docs/store.md, "Space".
 */
@Timeout(300)
class ContentSpaceTest extends StoreTestBase {
    private static final int USERS = 8;
    private static final int ROUNDS = 5;
    private static final int PER_ROUND = 40; // per user and round: 1,600 messages per burst
    private static final int KEPT_PER_USER = 25;
    private static final Duration RETENTION = Duration.ofSeconds(50); // H2's 45 s, and a margin

    @Override
    Backend backend() {
        return Backend.H2;
    }

    @Override
    ContentStorage contentStorage() {
        return ContentStorage.FILES;
    }

    @Test
    void contentSpaceReturnsAtOnceAndTheDatabaseFileReusesItsSpace() throws Exception {
        byte[] body = ("Subject: space\r\n\r\n" + "0123456789abcdef".repeat(640) + "\r\n").getBytes(StandardCharsets.US_ASCII);
        List<User> users = new ArrayList<>();
        for (int u = 0; u < USERS; u++) {
            users.add(user("u" + u + "@example.test"));
        }
        long live = (long) USERS * KEPT_PER_USER * body.length;
        Path h2 = JdbcMailStore.defaultDatabaseFile(dataDir);

        burst(users, body);
        assertEquals(USERS * KEPT_PER_USER, count("SELECT COUNT(*) FROM mailbox_entries"));
        assertEquals(live, dirSize(JdbcMailStore.contentDir(dataDir)), "the content directory holds exactly the live content");
        long first = Files.size(h2);

        Thread.sleep(RETENTION.toMillis());
        burst(users, body);
        assertEquals(USERS * KEPT_PER_USER, count("SELECT COUNT(*) FROM mailbox_entries"));
        assertEquals(live, dirSize(JdbcMailStore.contentDir(dataDir)), "after the second burst too");
        long second = Files.size(h2);
        long total = dirSize(dataDir);
        System.out.printf("space: 2 x %,d messages of %,d B passed; live content %,d B; H2 file %,d B after the first burst,"
                        + " %,d B after the second; data dir %,d B%n",
                USERS * ROUNDS * PER_ROUND, body.length, live, first, second, total);
        assertTrue(second <= first + first / 5, String.format(
                "the H2 file grew from %,d B to %,d B with a second burst of the same traffic after the retention time", first, second));
    }

    /** Each user receives PER_ROUND messages per round and deletes its mailbox in one QUIT, keeping the last few at the end. */
    private void burst(List<User> users, byte[] body) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(USERS);
        try {
            for (int round = 0; round < ROUNDS; round++) {
                boolean last = round == ROUNDS - 1;
                List<Future<?>> work = new ArrayList<>();
                for (User u : users) {
                    work.add(pool.submit(() -> {
                        for (int i = 0; i < PER_ROUND; i++) {
                            try (Delivery d = store.messages().begin("s@remote.example", "Q")) {
                                d.content().write(body);
                                d.addLocalRecipient(u.id());
                                d.commit();
                            }
                        }
                        List<Long> uids = store.maildrops().snapshot(u.id()).stream().map(MaildropEntry::uid).toList();
                        store.maildrops().delete(u.id(), last ? uids.subList(0, uids.size() - KEPT_PER_USER) : uids);
                        return null;
                    }));
                }
                for (Future<?> f : work) {
                    f.get();
                }
            }
        } finally {
            pool.shutdownNow();
        }
    }

    private static long dirSize(Path dir) throws IOException {
        try (var walk = Files.walk(dir)) {
            return walk.filter(Files::isRegularFile).mapToLong(p -> {
                try {
                    return Files.size(p);
                } catch (IOException e) {
                    return 0; // deleted meanwhile
                }
            }).sum();
        }
    }
}
