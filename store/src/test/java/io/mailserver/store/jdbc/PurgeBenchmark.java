package io.mailserver.store.jdbc;

import io.mailserver.store.PasswordHasher;
import io.mailserver.store.QueueStore.Purged;
import io.mailserver.testkit.PostgresCluster;
import io.mailserver.testkit.TestFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.PreparedStatement;
import java.time.Instant;

/**
 * How long the queue history purge takes, and whether it fits a small heap: {@code rows} finished queue
 * rows (nine in ten DELIVERED, one in ten FAILED with a small message of its own; the fourth argument
 * changes that ratio) are purged by
 * {@code queue().purge} ("batched"), or, for comparison, by one DELETE in one transaction, as the purge
 * did before it worked in batches ("single"). Not a test: run it by hand, e.g. with {@code -Xmx64m}.
 *
 * <pre>
 * java -Xmx64m -cp store/target/test-classes:store/target/classes:$(cat /tmp/store-cp.txt) \
 *      io.mailserver.store.jdbc.PurgeBenchmark 200000 batched h2 10     # or: single, pg, 1000
 * </pre>
 */
public final class PurgeBenchmark {
    private PurgeBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int rows = Integer.parseInt(args[0]);
        boolean batched = args[1].equals("batched");
        boolean pg = args.length > 2 && args[2].equals("pg");
        int failedEvery = args.length > 3 ? Integer.parseInt(args[3]) : 10;
        Path dir = Files.createTempDirectory("purge-bench-");
        PostgresCluster cluster = null;
        try {
            String url;
            String user = "mail";
            String password = "";
            if (pg) {
                cluster = PostgresCluster.shared();
                url = cluster.createDatabase();
                user = cluster.user();
                password = cluster.password();
            } else {
                url = JdbcMailStore.defaultUrl(dir);
            }
            try (JdbcMailStore store = JdbcMailStore.open(url, user, password, 4, dir, new PasswordHasher(1_000))) {
                fill(store.database(), rows, failedEvery);
                Runtime rt = Runtime.getRuntime();
                System.gc();
                long t0 = System.nanoTime();
                String result;
                if (batched) {
                    Purged p = store.queue().purge(Instant.now());
                    result = p.rows() + " rows, " + p.messages() + " messages, " + p.bytes() + " bytes";
                } else {
                    int n = store.database().write("purging in one transaction", c -> {
                        try (PreparedStatement ps = c.prepareStatement(
                                "DELETE FROM outbound_queue WHERE state IN ('DELIVERED', 'FAILED') AND finished_at < ?")) {
                            Database.setInstant(ps, 1, Instant.now());
                            return ps.executeUpdate();
                        }
                    });
                    result = n + " rows (content not reclaimed)";
                }
                long ms = (System.nanoTime() - t0) / 1_000_000;
                System.out.printf("%s %s: %s in %d ms (max heap %d MB)%n", pg ? "pg" : "h2", args[1], result, ms, rt.maxMemory() >> 20);
            }
        } finally {
            TestFiles.deleteTree(dir);
        }
    }

    /** Finished rows in transactions of 10,000; every {@code failedEvery}th FAILED, with a message of its own (one 100-byte chunk). */
    private static void fill(Database db, int rows, int failedEvery) {
        int step = 10_000;
        for (int from = 0; from < rows; from += step) {
            int first = from;
            int count = Math.min(step, rows - from);
            db.write("filling the queue history", c -> {
                try (PreparedStatement m = c.prepareStatement("INSERT INTO messages (queue_id, sender, size, received_at) VALUES (?, ?, 100, ?)",
                        new String[] {"id"});
                     PreparedStatement ch = c.prepareStatement("INSERT INTO message_chunks (message_id, seq, data) VALUES (?, 0, ?)");
                     PreparedStatement q = c.prepareStatement("INSERT INTO outbound_queue (message_id, queue_id, sender, recipient, state, attempts,"
                             + " created_at, next_attempt_at, last_reply, finished_at) VALUES (?, ?, 'a@local.test', ?, ?, 1, ?, ?, ?, ?)")) {
                    Instant past = Instant.now().minusSeconds(86_400);
                    for (int i = first; i < first + count; i++) {
                        boolean failed = i % failedEvery == 1;
                        long messageId = 0;
                        if (failed) {
                            m.setString(1, "B" + i);
                            m.setString(2, "a@local.test");
                            Database.setInstant(m, 3, past);
                            m.executeUpdate();
                            try (var keys = m.getGeneratedKeys()) {
                                keys.next();
                                messageId = keys.getLong(1);
                            }
                            ch.setLong(1, messageId);
                            ch.setBytes(2, new byte[100]);
                            ch.executeUpdate();
                        }
                        q.setLong(1, messageId);
                        q.setString(2, "B" + i);
                        q.setString(3, "r" + i + "@remote.test");
                        q.setString(4, failed ? "FAILED" : "DELIVERED");
                        Database.setInstant(q, 5, past);
                        Database.setInstant(q, 6, past);
                        q.setString(7, failed ? "550 5.1.1 no such user" : "250 2.0.0 Ok: queued as 4Xc1");
                        Database.setInstant(q, 8, past.plusMillis(i)); // one finished every millisecond
                        q.addBatch();
                    }
                    q.executeBatch();
                }
                return null;
            });
        }
    }
}
