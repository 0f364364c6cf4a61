package io.mailserver.store.jdbc;

import com.zaxxer.hikari.SQLExceptionOverride;
import java.sql.SQLException;

/**
 * Tells the pool to drop a connection whose H2 database has been closed. H2 closes the whole database
 * after a fatal error (the benchmark saw it after an OutOfMemoryError inside H2); its error codes are
 * not SQL state class 08, so HikariCP would keep handing out the dead connections and every later
 * login and delivery would fail until a restart. Evicted, they are replaced by new connections, which
 * open the file again.
 */
public final class H2ClosedEviction implements SQLExceptionOverride {
    /** org.h2.api.ErrorCode.DATABASE_IS_CLOSED and DATABASE_CALLED_AT_SHUTDOWN. */
    private static final int DATABASE_IS_CLOSED = 90098;
    private static final int DATABASE_CALLED_AT_SHUTDOWN = 90121;

    @java.lang.Override
    public Override adjudicate(SQLException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLException s && (s.getErrorCode() == DATABASE_IS_CLOSED || s.getErrorCode() == DATABASE_CALLED_AT_SHUTDOWN)) {
                return Override.MUST_EVICT;
            }
        }
        return Override.CONTINUE_EVICT;
    }
}
