package io.mailserver.store.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mailserver.config.ConfigKeys;
import io.mailserver.config.ServerConfig;
import io.mailserver.testkit.OtherUserJava;
import io.mailserver.testkit.TestFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Another OS user on the server's host cannot use the embedded database: not through the files (the data
 * directory is 0700, db.secret 0600), and not through H2's auto-server even when it can read the lock
 * file, because the admin user has a random password. Runs the attacker as {@code nobody}, so it needs
 * root (as in CI); skipped otherwise.
 */
@Timeout(120)
class LocalAttackerTest {
    private Path parent;

    @BeforeEach
    void worldReachableParent() throws Exception {
        Assumptions.assumeTrue(OtherUserJava.unavailableReason() == null, () -> "skipped: " + OtherUserJava.unavailableReason());
        // under /tmp and 0755, so that only the data directory's own mode keeps the other user out
        parent = Files.createTempDirectory(Path.of("/tmp"), "local-attacker-");
        Files.setPosixFilePermissions(parent, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    @AfterEach
    void deleteParent() {
        TestFiles.deleteTree(parent);
    }

    @Test
    void anotherUserCanNeitherReadThePasswordNorConnect() throws Exception {
        Path dataDir = parent.resolve("data");
        ServerConfig config = ServerConfig.fromMap(Map.of(ConfigKeys.DATA_DIR, dataDir.toString(), ConfigKeys.DB_POOL_SIZE, "4"));
        try (JdbcMailStore store = JdbcMailStore.open(config, Backend.HASHER, JdbcMailStore.Role.SERVER)) {
            store.domains().add("example.test");
            String secret = EmbeddedSecret.read(dataDir).orElseThrow();

            // as installed: the data directory keeps the other user out of everything
            List<String> installed = attack(dataDir, secret);
            assertTrue(installed.contains("SECRET unreadable AccessDeniedException"), installed::toString);
            assertTrue(installed.contains("LOCK unreadable AccessDeniedException"), installed::toString);

            // a data directory opened to others (made by hand, or before the store made it 0700): the lock
            // file with the auto-server's port and key is readable, db.secret still is not
            Files.setPosixFilePermissions(dataDir, PosixFilePermissions.fromString("rwxr-xr-x"));
            Files.setPosixFilePermissions(dataDir.resolve("db"), PosixFilePermissions.fromString("rwxr-xr-x"));
            Files.setPosixFilePermissions(dataDir.resolve("db").resolve("mail.lock.db"), PosixFilePermissions.fromString("rw-r--r--"));
            List<String> lines = attack(dataDir, secret);
            assertTrue(lines.contains("SECRET unreadable AccessDeniedException"), lines::toString);
            assertTrue(lines.stream().anyMatch(l -> l.startsWith("LOCK readable server=")), lines::toString);
            for (String guess : LocalAttacker.GUESSES) {
                String refusal = "REFUSED " + guess + " 28000";
                assertTrue(lines.contains(refusal), () -> "expected \"" + refusal + "\" (wrong user or password) in " + lines);
            }
            // the route itself works: with the password, the same connection gets in
            assertEquals("CONNECTED control", lines.get(lines.size() - 1), lines::toString);
            assertTrue(store.isAvailable());
        }
    }

    private static List<String> attack(Path dataDir, String secret) {
        OtherUserJava.Result r = OtherUserJava.run(LocalAttacker.class, List.of(dataDir.toString(), secret), Duration.ofSeconds(60));
        assertEquals(0, r.exit(), r::toString);
        return r.stdout().lines().toList();
    }
}
