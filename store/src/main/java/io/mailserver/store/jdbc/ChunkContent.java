package io.mailserver.store.jdbc;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;

/**
 * The database backend: bytes wait in a {@link SpillBuffer} (memory, then {@code <data-dir>/tmp}) and go
 * into {@code message_chunks} rows inside the metadata transaction, so the database's commit makes them
 * durable with everything else. What several nodes over one PostgreSQL use to share content.
 */
final class ChunkContent implements PendingContent {
    private final SpillBuffer buffer;
    private final OutputStream out;
    private boolean released;

    ChunkContent(Path tempDir) {
        this.buffer = new SpillBuffer(tempDir, Contents.CHUNK_SIZE);
        this.out = new FilterOutputStream(buffer) {
            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                buffer.write(b, off, len);
            }

            @Override
            public void close() {
                buffer.close();
            }
        };
    }

    @Override
    public OutputStream out() {
        return out;
    }

    @Override
    public long size() {
        return buffer.size();
    }

    @Override
    public String persist() {
        return null;
    }

    /** One row per 256 KiB, each inserted on its own so that the heap holds one chunk at a time. */
    @Override
    public void insertRows(Connection c, long messageId) throws SQLException {
        try (InputStream in = buffer.openForReading();
             PreparedStatement ps = c.prepareStatement("INSERT INTO message_chunks (message_id, seq, data) VALUES (?, ?, ?)")) {
            int seq = 0;
            while (true) {
                byte[] chunk = in.readNBytes(Contents.CHUNK_SIZE);
                if (chunk.length == 0) {
                    break;
                }
                ps.setLong(1, messageId);
                ps.setInt(2, seq++);
                ps.setBytes(3, chunk);
                ps.executeUpdate();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The rows (if committed) hold the content now; the spill file is never needed again either way. */
    @Override
    public void release(boolean referenced) {
        if (!released) {
            released = true;
            buffer.discard();
        }
    }
}
