package io.mailserver.store.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mailserver.config.ConfigKeys;
import io.mailserver.config.ServerConfig;
import io.mailserver.store.PasswordHasher;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The embedded H2 database has a random password kept in {@code <data-dir>/db.secret} (owner only), not
 * the empty one; stores made with the empty password are upgraded by the server's open.
 */
@Timeout(60)
class EmbeddedPasswordTest {
    private static final PasswordHasher HASHER = Backend.HASHER;

    @TempDir
    Path parent;

    @Test
    void theFirstStartMakesAnOwnerOnlyDataDirectoryAndARandomPassword() throws Exception {
        Path dataDir = parent.resolve("data");
        ServerConfig config = config(dataDir, Map.of());
        String secret;
        try (JdbcMailStore store = JdbcMailStore.open(config, HASHER, JdbcMailStore.Role.SERVER)) {
            store.domains().add("example.test");
            assertEquals("rwx------", mode(dataDir));
            assertEquals("rwx------", mode(dataDir.resolve("db")));
            assertEquals("rwx------", mode(dataDir.resolve("tmp")));
            Path file = dataDir.resolve("db.secret");
            assertEquals("rw-------", mode(file));
            secret = Files.readString(file, StandardCharsets.US_ASCII).strip();
            assertTrue(secret.matches("[A-Za-z0-9_-]{43}"), "32 random bytes in base64url: " + secret);
            // while the store is open, the database refuses what an attacker would try first
            assertRefused(dataDir, "mail", "");
            assertRefused(dataDir, "sa", "");
            assertAccepted(dataDir, "mail", secret);
        }
        try (JdbcMailStore store = JdbcMailStore.open(config, HASHER, JdbcMailStore.Role.TOOL)) {
            assertTrue(store.domains().isLocal("example.test"));
        }
        assertEquals(secret, EmbeddedSecret.read(dataDir).orElseThrow(), "reopening keeps the password");
        assertNotEquals(secret, EmbeddedSecret.newPassword());
    }

    @Test
    void aStoreMadeWithTheEmptyPasswordIsUpgradedByTheServerNotByMailctl() throws Exception {
        Path dataDir = parent.resolve("data");
        makeStoreWithEmptyPassword(dataDir);
        ServerConfig config = config(dataDir, Map.of());

        // mailctl leaves it alone: an older server may still be running on it with the empty password
        try (JdbcMailStore tool = JdbcMailStore.open(config, HASHER, JdbcMailStore.Role.TOOL)) {
            assertTrue(tool.domains().isLocal("old.test"));
        }
        assertFalse(Files.exists(dataDir.resolve("db.secret")));
        assertAccepted(dataDir, "mail", "");

        try (JdbcMailStore server = JdbcMailStore.open(config, HASHER, JdbcMailStore.Role.SERVER)) {
            assertTrue(server.domains().isLocal("old.test"));
            String secret = EmbeddedSecret.read(dataDir).orElseThrow();
            assertEquals("rw-------", mode(dataDir.resolve("db.secret")));
            assertFalse(Files.exists(dataDir.resolve("db.secret.new")));
            assertRefused(dataDir, "mail", "");
            assertAccepted(dataDir, "mail", secret);
        }
        // and mailctl now reads the new password
        try (JdbcMailStore tool = JdbcMailStore.open(config, HASHER, JdbcMailStore.Role.TOOL)) {
            assertTrue(tool.domains().isLocal("old.test"));
        }
    }

    @Test
    void anUpgradeCutOffAfterChangingThePasswordIsCompletedAtTheNextStart() throws Exception {
        Path dataDir = parent.resolve("data");
        makeStoreWithEmptyPassword(dataDir);
        // the state a crash leaves between "ALTER USER" and renaming db.secret.new to db.secret
        String pending = EmbeddedSecret.newPassword();
        Files.writeString(dataDir.resolve("db.secret.new"), pending + "\n");
        try (Connection c = DriverManager.getConnection(JdbcMailStore.defaultUrl(dataDir), "mail", "");
             Statement s = c.createStatement()) {
            s.execute("ALTER USER MAIL SET PASSWORD '" + pending + "'");
        }
        try (JdbcMailStore server = JdbcMailStore.open(config(dataDir, Map.of()), HASHER, JdbcMailStore.Role.SERVER)) {
            assertTrue(server.domains().isLocal("old.test"));
        }
        assertEquals(pending, EmbeddedSecret.read(dataDir).orElseThrow());
        assertFalse(Files.exists(dataDir.resolve("db.secret.new")));
    }

    @Test
    void anExplicitDatabasePasswordIsUsedAsItIsAndNoSecretFileIsMade() throws Exception {
        Path dataDir = parent.resolve("data");
        try (JdbcMailStore store = JdbcMailStore.open(config(dataDir, Map.of(ConfigKeys.DB_PASSWORD, "chosen-by-the-operator")),
                HASHER, JdbcMailStore.Role.SERVER)) {
            store.domains().add("example.test");
            assertAccepted(dataDir, "mail", "chosen-by-the-operator");
        }
        assertFalse(Files.exists(dataDir.resolve("db.secret")));
    }

    @Test
    void anExistingDataDirectoryKeepsTheModeTheOperatorGaveIt() throws Exception {
        Path dataDir = Files.createDirectory(parent.resolve("data"));
        Files.setPosixFilePermissions(dataDir, PosixFilePermissions.fromString("rwxr-x---"));
        try (JdbcMailStore store = JdbcMailStore.open(config(dataDir, Map.of()), HASHER, JdbcMailStore.Role.SERVER)) {
            assertTrue(store.isAvailable());
        }
        assertEquals("rwxr-x---", mode(dataDir));
        assertEquals("rw-------", mode(dataDir.resolve("db.secret")));
    }

    /** What the store did before db.secret existed: H2 created the admin user with the empty password. */
    private static void makeStoreWithEmptyPassword(Path dataDir) {
        try (JdbcMailStore old = JdbcMailStore.open(JdbcMailStore.defaultUrl(dataDir), "mail", "", 4, dataDir, HASHER)) {
            old.domains().add("old.test");
        }
        assertFalse(Files.exists(dataDir.resolve("db.secret")));
    }

    private static ServerConfig config(Path dataDir, Map<String, String> extra) {
        Map<String, String> keys = new HashMap<>(extra);
        keys.put(ConfigKeys.DATA_DIR, dataDir.toString());
        keys.put(ConfigKeys.DB_POOL_SIZE, "4");
        return ServerConfig.fromMap(keys);
    }

    private static String mode(Path p) throws Exception {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
    }

    private static void assertAccepted(Path dataDir, String user, String password) throws SQLException {
        try (Connection c = DriverManager.getConnection(JdbcMailStore.defaultUrl(dataDir), user, password)) {
            assertTrue(c.isValid(2));
        }
    }

    private static void assertRefused(Path dataDir, String user, String password) {
        SQLException e = assertThrows(SQLException.class,
                () -> DriverManager.getConnection(JdbcMailStore.defaultUrl(dataDir), user, password).close(),
                user + " with password \"" + password + "\" was let in");
        assertEquals(28000, e.getErrorCode(), e.getMessage());
    }
}
