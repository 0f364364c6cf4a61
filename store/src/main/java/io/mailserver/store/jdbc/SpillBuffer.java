package io.mailserver.store.jdbc;

import java.io.BufferedOutputStream;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where a message's bytes wait until commit: in memory up to a threshold, then in a temporary file
 * (deleted on close). Small messages never touch the disk twice; large ones never fill the heap.
 */
final class SpillBuffer extends OutputStream {
    private final Path tempDir;
    private final int threshold;
    private ByteArrayOutputStream memory = new ByteArrayOutputStream(8192);
    private Path file;
    private OutputStream fileOut;
    private long size;
    private boolean closed;

    SpillBuffer(Path tempDir, int threshold) {
        this.tempDir = tempDir;
        this.threshold = threshold;
    }

    @Override
    public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        if (closed) {
            throw new IOException("message content already closed");
        }
        if (fileOut == null && memory.size() + len > threshold) {
            spill();
        }
        if (fileOut != null) {
            fileOut.write(b, off, len);
        } else {
            memory.write(b, off, len);
        }
        size += len;
    }

    private void spill() throws IOException {
        Files.createDirectories(tempDir);
        file = Files.createTempFile(tempDir, "msg-", ".tmp");
        fileOut = new BufferedOutputStream(Files.newOutputStream(file), 64 * 1024);
        memory.writeTo(fileOut);
        memory = null;
    }

    @Override
    public void flush() throws IOException {
        if (fileOut != null) {
            fileOut.flush();
        }
    }

    long size() {
        return size;
    }

    /** Reads back what was written (call after the writer is done). */
    InputStream openForReading() throws IOException {
        if (fileOut != null) {
            fileOut.flush();
            return Files.newInputStream(file);
        }
        return new ByteArrayInputStream(memory.toByteArray());
    }

    /** Ends writing; the caller may keep writing no more. Content stays readable until {@link #discard()}. */
    @Override
    public void close() {
        closed = true;
    }

    /** Frees memory and deletes the temporary file. */
    void discard() {
        closed = true;
        memory = null;
        if (fileOut != null) {
            try {
                fileOut.close();
            } catch (IOException e) {
                // best effort: the file is deleted next
            }
            fileOut = null;
        }
        if (file != null) {
            try {
                Files.deleteIfExists(file);
            } catch (IOException e) {
                file.toFile().deleteOnExit();
            }
            file = null;
        }
    }
}
