package io.mailserver.store.jdbc;

import com.zaxxer.hikari.HikariConfig;
import io.mailserver.store.StoreException;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import javax.sql.DataSource;

/**
 * On PostgreSQL the commit itself is the disk sync, so a {@code 250} is only as durable as the server's
 * settings make it. The store does not depend on how the server happens to be configured: it sets
 * {@code synchronous_commit = on} on every connection it opens (overriding a server, database or role
 * default of {@code off}, under which a commit returns before its WAL is flushed), and refuses to start
 * against a server running with {@code fsync = off}, which no client setting can undo.
 */
final class PostgresDurability {
    /** Run by the pool on each new connection, before any use. */
    static final String SESSION_SETTINGS = "SET synchronous_commit = on";

    private PostgresDurability() {
    }

    static boolean isPostgres(String jdbcUrl) {
        return jdbcUrl.startsWith("jdbc:postgresql:");
    }

    static void configure(HikariConfig pool) {
        pool.setConnectionInitSql(SESSION_SETTINGS);
    }

    /** @throws StoreException (one line, naming the setting) when the server runs with {@code fsync = off} */
    static void requireFsync(DataSource pool, String description) {
        try (Connection c = pool.getConnection(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SHOW fsync")) {
            rs.next();
            if (!"on".equals(rs.getString(1))) {
                throw new StoreException("PostgreSQL (" + description + ") runs with fsync = " + rs.getString(1)
                        + ": it does not write commits to disk, so a power cut or an operating system crash can lose mail already acknowledged;"
                        + " set fsync = on in postgresql.conf");
            }
        } catch (SQLException e) {
            throw new StoreException("cannot read the fsync setting of PostgreSQL (" + description + "): " + Database.firstLine(e.getMessage()), e);
        }
    }
}
