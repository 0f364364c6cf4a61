package io.mailserver.store.jdbc;

import io.mailserver.store.StoreException;
import java.io.IOException;
import java.io.InputStream;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;

/**
 * A stored message read lazily: an optional prefix (the Return-Path line), then the chunks one at a
 * time. Each chunk is fetched with a connection borrowed from the pool and returned at once, so a slow
 * POP3 or SMTP peer never holds a database connection or a transaction open, and the heap holds at most
 * one chunk.
 */
final class ChunkInputStream extends InputStream {
    private final Database db;
    private final long messageId;
    private final long contentSize;
    private byte[] buffer;
    private int pos;
    private int nextSeq;
    private long contentRead;
    private boolean closed;

    ChunkInputStream(Database db, long messageId, long contentSize, byte[] prefix) {
        this.db = db;
        this.messageId = messageId;
        this.contentSize = contentSize;
        this.buffer = prefix;
        this.pos = 0;
    }

    @Override
    public int read() throws IOException {
        if (!fill()) {
            return -1;
        }
        return buffer[pos++] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (len == 0) {
            return 0;
        }
        if (!fill()) {
            return -1;
        }
        int n = Math.min(len, buffer.length - pos);
        System.arraycopy(buffer, pos, b, off, n);
        pos += n;
        return n;
    }

    @Override
    public int available() {
        return buffer == null ? 0 : buffer.length - pos;
    }

    /** Makes sure unread bytes are in the buffer; false at the end of the message. */
    private boolean fill() throws IOException {
        if (closed) {
            throw new IOException("stream closed");
        }
        while (buffer == null || pos >= buffer.length) {
            if (contentRead >= contentSize) {
                buffer = null;
                return false;
            }
            buffer = fetch(nextSeq++);
            pos = 0;
            contentRead += buffer.length;
        }
        return true;
    }

    private byte[] fetch(int seq) throws IOException {
        try (Connection c = db.dataSource().getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT data FROM message_chunks WHERE message_id = ? AND seq = ?")) {
            ps.setLong(1, messageId);
            ps.setInt(2, seq);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    throw new IOException("message " + messageId + " has no content piece " + seq + " (deleted while being read?)");
                }
                return rs.getBytes(1);
            }
        } catch (SQLException e) {
            StoreException se = db.failure("reading message " + messageId, e);
            throw new IOException(se.getMessage(), se);
        }
    }

    @Override
    public void close() {
        closed = true;
        buffer = null;
    }
}
