package io.mailserver.store.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mailserver.config.ConfigKeys;
import io.mailserver.config.ServerConfig;
import io.mailserver.store.StoreException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * H2 closes the whole database after a fatal error (an OutOfMemoryError inside it did, in the benchmark).
 * Every pooled connection is then dead; the pool must drop them and open the file again, or every later
 * login and delivery fails until a restart.
 */
@Timeout(60)
class DatabaseClosedTest {
    @TempDir
    Path dataDir;

    @Test
    void theStoreServesAgainAfterH2ClosedTheDatabase() throws Exception {
        ServerConfig config = ServerConfig.fromMap(Map.of(ConfigKeys.DATA_DIR, dataDir.toString(), ConfigKeys.DB_POOL_SIZE, "4"));
        try (JdbcMailStore store = JdbcMailStore.open(config, Backend.HASHER)) {
            store.domains().add("before.test");
            // warm the pool so that it holds several open connections
            for (int i = 0; i < 20; i++) {
                store.domains().list();
            }
            try (Connection c = DriverManager.getConnection(JdbcMailStore.defaultUrl(dataDir), config.databaseUser(),
                    EmbeddedSecret.read(dataDir).orElseThrow());
                 Statement s = c.createStatement()) {
                s.execute("SHUTDOWN IMMEDIATELY");
            } catch (java.sql.SQLException expected) {
                // the connection that shut the database down may itself report the close
            }
            int failures = 0;
            boolean served = false;
            for (int i = 0; i < 10 && !served; i++) {
                try {
                    store.domains().add("after" + i + ".test");
                    served = true;
                } catch (StoreException e) {
                    failures++;
                }
            }
            assertTrue(served, "the store never served again after the database was closed");
            // each dead pooled connection may fail once (that failure evicts it), never more often
            assertTrue(failures <= 4, "dead pooled connections were handed out " + failures + " times with a pool of 4");
            assertTrue(store.domains().isLocal("before.test"));
            assertEquals(true, store.isAvailable());
        }
    }
}
