package io.mailserver.relay;

import static io.mailserver.relay.testing.Queueing.enqueue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mailserver.store.MailStore;
import io.mailserver.store.PasswordHasher;
import io.mailserver.store.QueueEntry;
import io.mailserver.store.QueueStore;
import io.mailserver.store.jdbc.JdbcMailStore;
import io.mailserver.testkit.PostgresCluster;
import io.mailserver.testkit.TestFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The queue store methods the runner added (claim skipping domains, lease renewal, release, delay-notice flag), on H2 and PostgreSQL. */
@Timeout(60)
class QueueStoreRunnerSupportTest {

    @Test
    void h2() throws Exception {
        Path dir = Files.createTempDirectory("queue-support-");
        try (MailStore store = JdbcMailStore.open(JdbcMailStore.defaultUrl(dir), "mail", "", 4, dir, new PasswordHasher(1_000))) {
            exercise(store);
        } finally {
            TestFiles.deleteTree(dir);
        }
    }

    @Test
    void postgres() throws Exception {
        Assumptions.assumeTrue(PostgresCluster.available(), () -> "skipped: " + PostgresCluster.unavailableReason());
        Path dir = Files.createTempDirectory("queue-support-pg-");
        PostgresCluster pg = PostgresCluster.shared();
        try (MailStore store = JdbcMailStore.open(pg.createDatabase(), pg.user(), pg.password(), 4, dir, new PasswordHasher(1_000))) {
            exercise(store);
        } finally {
            TestFiles.deleteTree(dir);
        }
    }

    private static void exercise(MailStore store) throws Exception {
        enqueue(store, "a@local.test", "Q1", "Subject: x\r\n\r\nx\r\n", "one@busy.test", "\"odd@name\"@Other.Test", "two@free.test");
        QueueStore q = store.queue();

        List<QueueEntry> claimed = q.claim("r1", 10, Duration.ofSeconds(30), Set.of("busy.test", "other.test"));
        assertEquals(List.of("two@free.test"), claimed.stream().map(QueueEntry::recipient).toList(), "busy domains are skipped, case-insensitively");
        long free = claimed.get(0).id();

        assertEquals(1, q.renewLease("r1", List.of(free), Duration.ofSeconds(60)));
        assertEquals(0, q.renewLease("someone-else", List.of(free), Duration.ofSeconds(60)), "only the holder renews");

        q.release("r1", List.of(free));
        QueueEntry released = q.find(free).orElseThrow();
        assertEquals(QueueEntry.State.QUEUED, released.state());
        assertEquals(0, released.attempts(), "a release is not an attempt");
        assertEquals(3, q.claim("r2", 10, Duration.ofSeconds(30), Set.of()).size());

        assertTrue(q.markDelayNoticeSent(free));
        assertFalse(q.markDelayNoticeSent(free), "the notice is recorded once");
    }
}
