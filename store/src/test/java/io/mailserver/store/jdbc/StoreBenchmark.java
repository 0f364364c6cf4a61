package io.mailserver.store.jdbc;

import io.mailserver.store.Delivery;
import io.mailserver.store.PasswordHasher;
import io.mailserver.store.User;
import io.mailserver.testkit.PostgresCluster;
import io.mailserver.testkit.TestFiles;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Deliveries per second into the store: 10 KB messages, one local recipient each, from 1 and 20
 * threads; H2 with and without the group commit's disk sync, and PostgreSQL (fsync on). Not a test:
 * run it by hand (docs/store.md has the command) and read the figures.
 */
public final class StoreBenchmark {
    private static final int SECONDS = Integer.getInteger("bench.seconds", 5);

    private StoreBenchmark() {
    }

    /** Argument: where content goes, {@code files} (default) or {@code database}. */
    public static void main(String[] args) throws Exception {
        ContentStorage storage = args.length > 0 ? ContentStorage.valueOf(args[0].toUpperCase(java.util.Locale.ROOT)) : ContentStorage.FILES;
        System.out.println("content in " + storage);
        byte[] body = ("Subject: bench\r\n\r\n" + "0123456789abcdef".repeat(640) + "\r\n").getBytes(StandardCharsets.US_ASCII);
        System.out.printf("%-34s %8s %12s %10s%n", "store", "threads", "deliveries/s", "syncs");
        for (boolean sync : new boolean[] {false, true}) {
            for (int threads : new int[] {1, 20}) {
                Path dir = Files.createTempDirectory("bench-h2-");
                try (JdbcMailStore store = JdbcMailStore.open(JdbcMailStore.defaultUrl(dir), "mail", "", 24, dir, new PasswordHasher(1000), sync, JdbcMailStore.Role.SERVER,
                        storage)) {
                    long total = run(store, sync ? "H2, group commit (CHECKPOINT SYNC)" : "H2, WRITE_DELAY=0, no sync", threads, body);
                    store.close();
                    long bytes = Files.size(dir.resolve("db").resolve("mail.mv.db"));
                    System.out.printf("    H2 file after %d deliveries and close: %.1f MB, %.1f KB per 10 KB message%n",
                            total, bytes / 1e6, bytes / 1e3 / total);
                } finally {
                    TestFiles.deleteTree(dir);
                }
            }
        }
        if (PostgresCluster.available()) {
            try (PostgresCluster pg = PostgresCluster.start()) {
                for (int threads : new int[] {1, 20}) {
                    Path dir = Files.createTempDirectory("bench-pg-");
                    try (JdbcMailStore store = JdbcMailStore.open(pg.createDatabase(), pg.user(), "", 24, dir, new PasswordHasher(1000))) {
                        run(store, "PostgreSQL (synchronous_commit)", threads, body);
                    } finally {
                        TestFiles.deleteTree(dir);
                    }
                }
            }
        } else {
            System.out.println("PostgreSQL skipped: " + PostgresCluster.unavailableReason());
        }
    }

    private static long run(JdbcMailStore store, String label, int threads, byte[] body) throws InterruptedException {
        store.domains().add("bench.test");
        User user = store.users().add(StoreTestBase.addr("u@bench.test"), null, "pw".toCharArray());
        AtomicBoolean measuring = new AtomicBoolean();
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong count = new AtomicLong();
        AtomicLong total = new AtomicLong();
        List<Thread> workers = new ArrayList<>();
        for (int i = 0; i < threads; i++) {
            Thread t = new Thread(() -> {
                while (!stop.get()) {
                    try (Delivery d = store.messages().begin("s@remote.example", "B")) {
                        d.content().write(body);
                        d.addLocalRecipient(user.id());
                        d.commit();
                        total.incrementAndGet();
                        if (measuring.get()) {
                            count.incrementAndGet();
                        }
                    } catch (java.io.IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                }
            });
            t.start();
            workers.add(t);
        }
        Thread.sleep(1000); // warm-up
        long syncsBefore = store.diskSyncs();
        measuring.set(true);
        long start = System.nanoTime();
        Thread.sleep(SECONDS * 1000L);
        measuring.set(false);
        double elapsed = (System.nanoTime() - start) / 1e9;
        long syncs = store.diskSyncs() - syncsBefore;
        stop.set(true);
        for (Thread t : workers) {
            t.join();
        }
        System.out.printf("%-34s %8d %12.0f %10d%n", label, threads, count.get() / elapsed, syncs);
        return total.get();
    }
}
