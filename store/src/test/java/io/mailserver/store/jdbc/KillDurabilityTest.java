package io.mailserver.store.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mailserver.store.NotFoundException;
import io.mailserver.store.User;
import java.io.IOException;
import java.io.InputStream;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * docs/design.md, contract 2: a delivery whose commit returned survives kill -9 of the process. A child JVM
 * delivers from four threads and prints each committed id; it is killed with SIGKILL mid-run; the store
 * is reopened and every printed id must be there (message, mailbox entry and queue row) with its whole
 * content (a file on H2, chunk rows on PostgreSQL).
 */
class KillDurabilityTest {
    @TempDir
    Path dataDir;

    @ParameterizedTest
    @EnumSource(Backend.class)
    @Timeout(120)
    void everyAcknowledgedDeliverySurvivesKill9(Backend backend) throws Exception {
        backend.assumeAvailable();
        String url = backend.url(dataDir);
        long userId;
        try (JdbcMailStore store = JdbcMailStore.open(url, backend.user(), "", 4, dataDir, Backend.HASHER)) {
            store.domains().add("example.test");
            User alice = store.users().add(StoreTestBase.addr("alice@example.test"), null, "pw".toCharArray());
            userId = alice.id();
        }

        Process child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), DeliveringChild.class.getName(),
                url, backend.user(), dataDir.toString(), Long.toString(userId), "4")
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        List<Long> acknowledged = new ArrayList<>();
        List<String> errors = new ArrayList<>();
        try (BufferedReader in = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.US_ASCII))) {
            String line;
            long killAt = Long.MAX_VALUE;
            long latestKill = Long.MAX_VALUE;
            while ((line = in.readLine()) != null) {
                if (line.startsWith("COMMITTED ")) {
                    acknowledged.add(Long.parseLong(line.substring(10).trim()));
                    if (acknowledged.size() == 1) {
                        killAt = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(1500);
                        latestKill = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                    }
                } else if (line.startsWith("ERROR ")) {
                    errors.add(line);
                }
                // mid-run after 1.5 s, once a few hundred are acknowledged (a loaded machine, or a content file
                // forced per message, commits fewer per second), and after 10 s at the latest
                long now = System.nanoTime();
                if (((now > killAt && acknowledged.size() >= 300) || now > latestKill) && child.isAlive()) {
                    // SIGKILL through the handle: Process.destroyForcibly() would also close our end of the
                    // pipe, and the lines already in it (each an acknowledged commit) must still be read.
                    child.toHandle().destroyForcibly();
                }
            }
        } finally {
            child.destroyForcibly();
            child.waitFor(30, TimeUnit.SECONDS);
        }
        assertTrue(errors.isEmpty(), errors.toString());
        assertTrue(acknowledged.size() > 50, "the child committed only " + acknowledged.size());

        try (JdbcMailStore store = JdbcMailStore.open(url, backend.user(), "", 4, dataDir, Backend.HASHER)) {
            List<Long> missing = new ArrayList<>();
            for (long id : acknowledged) {
                long present = store.database().read("check", c -> {
                    try (var ps = c.prepareStatement("SELECT (SELECT COUNT(*) FROM messages WHERE id = ?)"
                            + " + (SELECT COUNT(*) FROM mailbox_entries WHERE message_id = ?)"
                            + " + (SELECT COUNT(*) FROM outbound_queue WHERE message_id = ?)")) {
                        ps.setLong(1, id);
                        ps.setLong(2, id);
                        ps.setLong(3, id);
                        try (var rs = ps.executeQuery()) {
                            rs.next();
                            return rs.getLong(1);
                        }
                    }
                });
                if (present != 3 || !contentIntact(store, id)) {
                    missing.add(id);
                }
            }
            System.out.println(backend + " (content in " + store.contentStorage() + "): " + acknowledged.size() + " deliveries acknowledged before kill -9, " + missing.size() + " lost");
            assertEquals(List.of(), missing.subList(0, Math.min(20, missing.size())),
                    missing.size() + " of " + acknowledged.size() + " acknowledged deliveries lost; the first ones");
        } finally {
            backend.drop(url);
        }
    }

    private static boolean contentIntact(JdbcMailStore store, long id) throws IOException {
        try (InputStream in = store.queue().openContent(id)) {
            return Arrays.equals(DeliveringChild.BODY, in.readAllBytes());
        } catch (NotFoundException e) {
            return false;
        }
    }
}
