package io.mailserver.store.jdbc;

import java.io.IOException;
import java.io.OutputStream;
import java.sql.Connection;
import java.sql.SQLException;

/**
 * A message's content on its way in: the port behind which the two content backends sit (a file under
 * {@code <data-dir>/content}, or chunk rows). {@link JdbcDelivery} drives it in this order: write
 * through {@link #out()}, {@link #persist()} before the metadata transaction, {@link #insertRows} inside
 * it, {@link #release} after it (or on abort). Nothing of it is visible before the metadata commit.
 */
interface PendingContent {
    /** Where the bytes go; its {@code close()} ends writing without discarding anything. */
    OutputStream out();

    /** Octets written so far. */
    long size();

    /**
     * Before the metadata transaction: makes the bytes durable where they will stay.
     * @return the content's file (for {@code messages.content_file}), or null when the content goes into
     *     rows of the metadata transaction ({@link #insertRows})
     * @throws IOException when the content could not be made durable; nothing is stored then
     */
    String persist() throws IOException;

    /** Inside the metadata transaction, after the message row: the rows that hold the content, if any. */
    void insertRows(Connection c, long messageId) throws SQLException;

    /**
     * Ends this content's life on the way in: {@code referenced} true once a committed message row refers
     * to it (it stays), false when none does (what was written is deleted). Only the first call counts.
     */
    void release(boolean referenced);
}
