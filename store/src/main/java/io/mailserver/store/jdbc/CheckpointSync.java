package io.mailserver.store.jdbc;

import com.zaxxer.hikari.HikariDataSource;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Properties;

/**
 * The H2 group commit's sync: {@code CHECKPOINT SYNC} (H2's only statement that fsyncs) on a connection
 * of its own, opened with the pool's settings but never drawn from the pool. Every session borrows from
 * the pool; if the syncer did too, a pool exhausted by sessions would hold back the one sync those
 * sessions wait for (each gets a connection timeout and a 451). A dead connection is replaced at once
 * (after H2 closed the database, the new one opens the file again, as the pool does).
 */
final class CheckpointSync implements GroupCommit.Syncer {
    private final String url;
    private final Properties properties = new Properties();
    private Connection connection; // only the syncer thread uses it, after the check at open

    CheckpointSync(HikariDataSource pool) {
        this.url = pool.getJdbcUrl();
        properties.putAll(pool.getDataSourceProperties());
        if (pool.getUsername() != null) {
            properties.setProperty("user", pool.getUsername());
        }
        if (pool.getPassword() != null) {
            properties.setProperty("password", pool.getPassword());
        }
    }

    @Override
    public void sync() throws SQLException {
        if (connection != null) {
            try (Statement s = connection.createStatement()) {
                s.execute("CHECKPOINT SYNC");
                return;
            } catch (SQLException e) {
                if (connection.isValid(1)) {
                    throw e; // the connection works, so the sync itself failed: that is the answer
                }
                // Dead (H2 closed the database, say): nothing was synced, so try again on a new connection.
                close();
            }
        }
        connection = DriverManager.getConnection(url, properties);
        try (Statement s = connection.createStatement()) {
            s.execute("CHECKPOINT SYNC");
        }
    }

    @Override
    public void close() {
        if (connection != null) {
            try {
                connection.close();
            } catch (SQLException e) {
                // broken anyway; the next sync opens a new one
            }
            connection = null;
        }
    }
}
