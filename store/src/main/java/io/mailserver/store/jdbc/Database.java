package io.mailserver.store.jdbc;

import io.mailserver.store.StoreException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLNonTransientConnectionException;
import java.sql.SQLTransientConnectionException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import javax.sql.DataSource;

/**
 * The pool plus the two ways of using it: {@link #read} (auto-commit) and {@link #write} (one
 * transaction, committed, then made durable through {@link GroupCommit}); and the content files that
 * message rows may name. SQL failures become
 * {@link StoreException}s whose message says what was being done and why it failed.
 */
final class Database {
    @FunctionalInterface
    interface Work<T> {
        T run(Connection c) throws SQLException;
    }

    private final DataSource dataSource;
    private final GroupCommit groupCommit;
    private final String description;
    private final FileContents files;

    Database(DataSource dataSource, GroupCommit groupCommit, String description, FileContents files) {
        this.dataSource = dataSource;
        this.groupCommit = groupCommit;
        this.description = description;
        this.files = files;
    }

    /** The content files beside the database: where rows with a {@code content_file} keep their content. */
    FileContents files() {
        return files;
    }

    DataSource dataSource() {
        return dataSource;
    }

    GroupCommit groupCommit() {
        return groupCommit;
    }

    Connection connection(String what) {
        try {
            return dataSource.getConnection();
        } catch (SQLException e) {
            throw failure(what, e);
        }
    }

    /** Runs {@code work} on an auto-commit connection. */
    <T> T read(String what, Work<T> work) {
        try (Connection c = dataSource.getConnection()) {
            return work.run(c);
        } catch (SQLException e) {
            throw failure(what, e);
        }
    }

    /** Runs {@code work} in one transaction, commits, and returns once the commit is on disk. */
    <T> T write(String what, Work<T> work) {
        T result = transaction(what, work);
        groupCommit.awaitDurable();
        return result;
    }

    /** Runs {@code work} in one transaction and commits (durable on PostgreSQL; on H2 only in the page cache). */
    <T> T transaction(String what, Work<T> work) {
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try {
                T result = work.run(c);
                c.commit();
                return result;
            } catch (SQLException | RuntimeException | Error e) {
                rollbackQuietly(c, e);
                throw e;
            }
            // No need to restore auto-commit: the pool resets it when the connection comes back.
        } catch (SQLException e) {
            throw failure(what, e);
        }
    }

    private static void rollbackQuietly(Connection c, Throwable cause) {
        try {
            c.rollback();
        } catch (SQLException e) {
            cause.addSuppressed(e);
        }
    }

    /** A StoreException that names the operation and the cause, and says plainly when the database is unreachable. */
    StoreException failure(String what, SQLException e) {
        String state = e.getSQLState() == null ? "" : e.getSQLState();
        String reason = firstLine(e.getMessage());
        if (e instanceof SQLTransientConnectionException || e instanceof SQLNonTransientConnectionException || state.startsWith("08")) {
            return new StoreException("database unreachable (" + description + ") while " + what + ": " + reason, e);
        }
        return new StoreException("database error while " + what + ": " + reason, e);
    }

    static String firstLine(String s) {
        if (s == null) {
            return "no details";
        }
        int nl = s.indexOf('\n');
        return (nl < 0 ? s : s.substring(0, nl)).strip();
    }

    static boolean isUniqueViolation(SQLException e) {
        for (SQLException x = e; x != null; x = x.getNextException()) {
            if ("23505".equals(x.getSQLState())) {
                return true;
            }
        }
        return false;
    }

    // ---- small JDBC helpers shared by the repositories

    static void setInstant(PreparedStatement ps, int index, Instant instant) throws SQLException {
        ps.setObject(index, instant == null ? null : OffsetDateTime.ofInstant(instant, ZoneOffset.UTC));
    }

    static Instant getInstant(ResultSet rs, String column) throws SQLException {
        OffsetDateTime t = rs.getObject(column, OffsetDateTime.class);
        return t == null ? null : t.toInstant();
    }

    /** Microsecond precision, which both databases store: a value read back equals the value written. */
    static Instant now() {
        Instant n = Instant.now();
        return n.minusNanos(n.getNano() % 1000);
    }

    /** "?,?,?" for an IN list of {@code n} parameters. */
    static String placeholders(int n) {
        StringBuilder sb = new StringBuilder(n * 2);
        for (int i = 0; i < n; i++) {
            sb.append(i == 0 ? "?" : ",?");
        }
        return sb.toString();
    }

    /** Splits a collection into lists of at most {@code size} (IN lists stay short). */
    static <T> List<List<T>> batches(Collection<T> items, int size) {
        List<List<T>> out = new ArrayList<>();
        List<T> cur = new ArrayList<>();
        for (T t : items) {
            cur.add(t);
            if (cur.size() == size) {
                out.add(cur);
                cur = new ArrayList<>();
            }
        }
        if (!cur.isEmpty()) {
            out.add(cur);
        }
        return out;
    }

}
