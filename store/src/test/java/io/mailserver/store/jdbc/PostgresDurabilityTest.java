package io.mailserver.store.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mailserver.store.StoreException;
import io.mailserver.testkit.PostgresCluster;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * On PostgreSQL the commit is the disk sync, so a 250 must not depend on how the server happens to be
 * configured: the store turns {@code synchronous_commit} on for its own connections, and refuses to
 * start against a server with {@code fsync = off}.
 */
@Timeout(90)
class PostgresDurabilityTest {
    @TempDir
    Path dataDir;

    @BeforeEach
    void needsPostgres() {
        Backend.POSTGRES.assumeAvailable();
    }

    private static String show(Connection c, String setting) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SHOW " + setting)) {
            rs.next();
            return rs.getString(1);
        }
    }

    private static void execute(String url, String sql) throws SQLException {
        PostgresCluster pg = PostgresCluster.shared();
        try (Connection c = DriverManager.getConnection(url, pg.user(), pg.password()); Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

    /** A database whose default is {@code synchronous_commit = off} (commits return before the WAL flush). */
    @Test
    void everyPooledConnectionCommitsSynchronouslyWhateverTheDatabaseDefault() throws Exception {
        PostgresCluster pg = PostgresCluster.shared();
        String url = pg.createDatabase();
        try {
            String name = url.substring(url.lastIndexOf('/') + 1);
            execute(url, "ALTER DATABASE " + name + " SET synchronous_commit = off");
            try (Connection plain = DriverManager.getConnection(url, pg.user(), pg.password())) {
                assertEquals("off", show(plain, "synchronous_commit"), "the database default this test relies on");
            }
            try (JdbcMailStore store = Backend.POSTGRES.open(url, dataDir)) {
                // hold all 8 at once, so that every connection of the pool is looked at
                List<Connection> all = new ArrayList<>();
                try {
                    for (int i = 0; i < 8; i++) {
                        all.add(store.database().connection("test"));
                    }
                    for (Connection c : all) {
                        assertEquals("on", show(c, "synchronous_commit"));
                    }
                } finally {
                    for (Connection c : all) {
                        c.close();
                    }
                }
            }
        } finally {
            pg.dropDatabase(url);
        }
    }

    /**
     * {@code fsync} is a server-wide setting (reloadable), so this test turns it off on the shared test
     * cluster for a moment and back on at the end; the test classes of a module run one at a time.
     */
    @Test
    void refusesToStartAgainstAServerWithFsyncOff() throws Exception {
        PostgresCluster pg = PostgresCluster.shared();
        String admin = pg.jdbcUrl("postgres");
        String url = pg.createDatabase();
        try {
            setFsync(admin, "off");
            StoreException e = assertThrows(StoreException.class, () -> Backend.POSTGRES.open(url, dataDir).close());
            assertTrue(e.getMessage().contains("runs with fsync = off") && e.getMessage().contains("set fsync = on"), e.getMessage());
            assertFalse(e.getMessage().contains("\n"), "one line: " + e.getMessage());
            try (Connection c = DriverManager.getConnection(url, pg.user(), pg.password()); Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = 'public'")) {
                rs.next();
                assertEquals(0, rs.getInt(1), "refused before migrating anything");
            }
        } finally {
            setFsync(admin, "on");
        }
        Backend.POSTGRES.open(url, dataDir).close(); // and with fsync on it opens
        pg.dropDatabase(url);
    }

    /** Sets fsync server-wide and waits until new connections see it (a reload is asynchronous). */
    private static void setFsync(String adminUrl, String value) throws Exception {
        execute(adminUrl, value.equals("on") ? "ALTER SYSTEM RESET fsync" : "ALTER SYSTEM SET fsync = " + value);
        execute(adminUrl, "SELECT pg_reload_conf()");
        PostgresCluster pg = PostgresCluster.shared();
        for (int i = 0; i < 100; i++) {
            try (Connection c = DriverManager.getConnection(adminUrl, pg.user(), pg.password())) {
                if (value.equals(show(c, "fsync"))) {
                    return;
                }
            }
            Thread.sleep(50);
        }
        throw new IllegalStateException("fsync did not become " + value);
    }
}
