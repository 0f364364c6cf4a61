package io.mailserver.admin;

import static io.mailserver.admin.MailctlScenarioTest.ok;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mailserver.config.ServerConfig;
import io.mailserver.store.Delivery;
import io.mailserver.store.MailAddress;
import io.mailserver.store.PasswordHasher;
import io.mailserver.store.User;
import io.mailserver.store.jdbc.JdbcMailStore;
import io.mailserver.testkit.OtherUserJava;
import io.mailserver.testkit.TempStore;
import io.mailserver.testkit.TestFiles;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** How mailctl opens the server's store: without the server's background work, and only as the server's OS user. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class MailctlStoreAccessTest {
    @TempDir
    Path dir;

    /** Each mailctl call used to start the store's content sweeper, which scans the whole store at once. */
    @Test
    void mailctlRunsNoContentSweepAndTheServerDoes() throws Exception {
        ServerConfig config = ServerConfig.load(null, Map.of("MAILSERVER_SERVER_DATA_DIR", dir.toString()));
        long orphan;
        try (JdbcMailStore store = JdbcMailStore.open(config, new PasswordHasher(TempStore.TEST_ITERATIONS), JdbcMailStore.Role.TOOL)) {
            store.domains().add("example.test");
            User alice = store.users().add(MailAddress.parse("alice@example.test"), null, "pw".toCharArray());
            try (Delivery d = store.messages().begin("a@remote.example", "QORPHAN")) {
                d.content().write("Subject: orphan\r\n\r\nbody\r\n".getBytes(StandardCharsets.US_ASCII));
                d.addLocalRecipient(alice.id());
                orphan = d.commit();
            }
        }
        // what a crash between removing the last reference to a message and reclaiming its content leaves
        sql("DELETE FROM mailbox_entries WHERE message_id = " + orphan);

        ok(new CliRun(dir).run("user", "show", "alice@example.test"));
        ok(new CliRun(dir).run("domain", "list"));
        try (CliContext context = new CliContext(new ByteArrayInputStream(new byte[0]), new PrintStream(new ByteArrayOutputStream()),
                new PrintStream(new ByteArrayOutputStream()), Map.of("MAILSERVER_SERVER_DATA_DIR", dir.toString()), Terminal.system(),
                StoreOpener.DEFAULT)) {
            assertTrue(context.store().isAvailable());
            assertFalse(sweeperThreadAlive(), "mailctl's store runs the content sweeper");
        }
        assertEquals(1, sql("SELECT COUNT(*) FROM messages WHERE id = " + orphan), "mailctl swept the unreferenced content");

        try (JdbcMailStore server = JdbcMailStore.open(config, new PasswordHasher(TempStore.TEST_ITERATIONS), JdbcMailStore.Role.SERVER)) {
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (sql("SELECT COUNT(*) FROM messages WHERE id = " + orphan) != 0 && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertEquals(0, sql("SELECT COUNT(*) FROM messages WHERE id = " + orphan), "the server's open did not sweep");
        }
    }

    /** The embedded database's password is readable by the data directory's owner only; anyone else gets told why. */
    @Test
    void mailctlRunAsAnotherOsUserSaysToRunItAsTheServersUser() throws Exception {
        Assumptions.assumeTrue(OtherUserJava.unavailableReason() == null, () -> "skipped: " + OtherUserJava.unavailableReason());
        // under /tmp and 0755, so that the other user reaches the data directory itself
        Path parent = Files.createTempDirectory(Path.of("/tmp"), "mailctl-other-user-");
        try {
            Files.setPosixFilePermissions(parent, PosixFilePermissions.fromString("rwxr-xr-x"));
            Path dataDir = parent.resolve("data");
            Path conf = parent.resolve("mailserver.conf");
            Files.writeString(conf, "server.data-dir = " + dataDir + "\n");
            Files.setPosixFilePermissions(conf, PosixFilePermissions.fromString("rw-r--r--"));
            ok(new CliRun(dataDir).run("domain", "add", "example.test"));

            OtherUserJava.Result r = OtherUserJava.run(Mailctl.class, List.of("--config", conf.toString(), "domain", "list"), Duration.ofSeconds(60));

            assertEquals(ExitCode.STORE_UNAVAILABLE, r.exit(), r::toString);
            assertEquals("mailctl: cannot read " + dataDir.resolve("db.secret") + ": run mailctl as the server's user\n", r.stderr());
            assertEquals("", r.stdout());
        } finally {
            TestFiles.deleteTree(parent);
        }
    }

    /** Runs one statement on the store's database directly, with the password from db.secret. */
    private long sql(String statement) throws Exception {
        String password = Files.readString(dir.resolve("db.secret"), StandardCharsets.US_ASCII).strip();
        try (Connection c = DriverManager.getConnection(JdbcMailStore.defaultUrl(dir), "mail", password);
             PreparedStatement ps = c.prepareStatement(statement)) {
            if (!ps.execute()) {
                return ps.getUpdateCount();
            }
            try (ResultSet rs = ps.getResultSet()) {
                rs.next();
                return rs.getLong(1);
            }
        } catch (SQLException e) {
            throw new AssertionError(statement + ": " + e.getMessage(), e);
        }
    }

    private static boolean sweeperThreadAlive() {
        return Thread.getAllStackTraces().keySet().stream().anyMatch(t -> t.getName().equals("store-content-sweeper") && t.isAlive());
    }
}
