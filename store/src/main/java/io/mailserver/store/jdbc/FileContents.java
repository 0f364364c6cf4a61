package io.mailserver.store.jdbc;

import io.mailserver.store.DataDirectory;
import java.io.BufferedOutputStream;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.SequenceInputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The files backend: one file per stored content, {@code <data-dir>/content/<xx>/<key>}, where the key is
 * 32 random hex digits and {@code xx} its first two (256 fan-out directories, so none grows huge). The
 * message row's {@code content_file} names the file; the row, committed after the file is durable, is
 * what makes the content visible.
 *
 * <p>Write: bytes stream into {@code <key>.tmp} in its final directory (the first 64 KiB wait in memory,
 * so a small message is one write); then {@code FileChannel.force}, rename to {@code <key>}, fsync of the
 * directory, and only then the metadata transaction. A crash anywhere before its commit leaves a file no
 * row names: an orphan, never a visible half.
 *
 * <p>Delete: the metadata commits first, then the file is unlinked (see {@link Contents}). A crash in
 * between leaves an orphan too.
 *
 * <p>Orphans are removed by {@link #sweepOrphans}: files no row names, unchanged for {@link #ORPHAN_AGE}
 * and not being written by a delivery of this process (the in-flight set, which a delivery joins before
 * its file exists and leaves only once its metadata commit has returned). The age alone protects
 * deliveries of other processes sharing the directory.
 */
final class FileContents {
    private static final Logger log = LoggerFactory.getLogger(FileContents.class);

    /** Older than any delivery in progress can be: a delivery's file changes with every write until its commit. */
    static final Duration ORPHAN_AGE = Duration.ofDays(1);
    private static final int MEMORY = 64 * 1024;
    private static final int WRITE_BUFFER = 64 * 1024;
    private static final String TEMP_SUFFIX = ".tmp";
    private static final int LOOKUP_BATCH = 500;
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Set<StandardOpenOption> OWNER_ONLY_NEW = Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
    private static final FileAttribute<?>[] OWNER_ONLY = FileSystems.getDefault().supportedFileAttributeViews().contains("posix")
            ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"))}
            : new FileAttribute<?>[0];

    private final Path root;
    private final Set<String> inFlight = ConcurrentHashMap.newKeySet();
    private volatile DurabilityListener listener;

    FileContents(Path root) {
        this.root = root.toAbsolutePath().normalize();
    }

    Path root() {
        return root;
    }

    void listener(DurabilityListener l) {
        listener = l;
    }

    /**
     * Creates the content directory and its 256 fan-out directories, owner-only, and syncs them. The server
     * calls this at open, so that mailctl (which may write a bounce, possibly as root) never creates one.
     */
    void prepare() {
        try {
            boolean newRoot = !Files.isDirectory(root);
            DataDirectory.create(root);
            if (newRoot) {
                syncDirectory(root.getParent());
            }
            boolean created = false;
            for (int i = 0; i < 256; i++) {
                Path dir = root.resolve(HexFormat.of().toHexDigits((byte) i));
                if (!Files.isDirectory(dir)) {
                    DataDirectory.create(dir);
                    created = true;
                }
            }
            if (created) {
                syncDirectory(root);
            }
        } catch (IOException e) {
            throw new io.mailserver.store.StoreException("cannot prepare the content directory " + root + ": " + e.getMessage(), e);
        }
    }

    /** Content for a new delivery; nothing exists on disk until the first bytes beyond the memory part. */
    PendingContent create(String queueId) {
        byte[] random = new byte[16];
        RANDOM.nextBytes(random);
        String key = HexFormat.of().formatHex(random);
        return new PendingFile(queueId, key);
    }

    /** The content of {@code file} (a {@code content_file} value) after {@code prefix}, streamed from disk. */
    InputStream open(String file, byte[] prefix) throws IOException {
        InputStream body = Files.newInputStream(resolve(file));
        return prefix.length == 0 ? body : new SequenceInputStream(new ByteArrayInputStream(prefix), body);
    }

    /** Unlinks a file whose row is gone; a failure only leaves an orphan for the sweep. */
    void delete(String file) {
        try {
            Files.deleteIfExists(resolve(file));
        } catch (IOException e) {
            log.warn("cannot delete content file {} (the orphan sweep retries): {}", file, e.getMessage());
        }
    }

    private Path resolve(String file) {
        return root.resolve(file);
    }

    /**
     * Deletes every file under the content directory that no message row names, last changed before
     * {@code cutoff}, and not in this process's in-flight set. The in-flight check comes before the
     * database check: a delivery that has left the set has committed its row (the check then sees it)
     * or has given its file up.
     * @return how many files were deleted
     */
    int sweepOrphans(Database db, Instant cutoff) {
        if (!Files.isDirectory(root)) {
            return 0;
        }
        List<String> candidates = new ArrayList<>();
        try (DirectoryStream<Path> fanOut = Files.newDirectoryStream(root, Files::isDirectory)) {
            for (Path dir : fanOut) {
                try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
                    for (Path f : files) {
                        String name = f.getFileName().toString();
                        String key = name.endsWith(TEMP_SUFFIX) ? name.substring(0, name.length() - TEMP_SUFFIX.length()) : name;
                        if (inFlight.contains(key)) {
                            continue;
                        }
                        try {
                            if (Files.getLastModifiedTime(f).toInstant().isBefore(cutoff)) {
                                candidates.add(dir.getFileName() + "/" + name);
                            }
                        } catch (NoSuchFileException gone) {
                            // deleted meanwhile
                        }
                    }
                }
            }
        } catch (IOException e) {
            log.warn("cannot list {} for the orphan sweep: {}", root, e.getMessage());
        }
        int deleted = 0;
        for (List<String> batch : Database.batches(candidates, LOOKUP_BATCH)) {
            Set<String> named = db.read("looking up content files", c -> {
                Set<String> out = new HashSet<>();
                try (PreparedStatement ps = c.prepareStatement(
                        "SELECT content_file FROM messages WHERE content_file IN (" + Database.placeholders(batch.size()) + ")")) {
                    for (int i = 0; i < batch.size(); i++) {
                        ps.setString(i + 1, batch.get(i));
                    }
                    try (ResultSet rs = ps.executeQuery()) {
                        while (rs.next()) {
                            out.add(rs.getString(1));
                        }
                    }
                }
                return out;
            });
            for (String file : batch) {
                if (!named.contains(file)) {
                    delete(file);
                    deleted++;
                }
            }
        }
        return deleted;
    }

    /** fsync of a directory: makes the names created or renamed in it durable. */
    private static void syncDirectory(Path dir) throws IOException {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        }
    }

    /** A fan-out directory is made once, owner-only; its own name is made durable before any file in it counts. */
    private void ensureDirectory(Path dir) throws IOException {
        if (Files.isDirectory(dir)) {
            return;
        }
        boolean newRoot = !Files.isDirectory(root);
        DataDirectory.create(root);
        if (newRoot) {
            syncDirectory(root.getParent());
        }
        DataDirectory.create(dir);
        syncDirectory(root);
    }

    /** One delivery's file; see the class comment for the order of the steps. */
    private final class PendingFile implements PendingContent {
        private final String queueId;
        private final String key;
        private final String file;
        private final Path dir;
        private final Path temp;
        private ByteArrayOutputStream memory = new ByteArrayOutputStream(8192);
        private FileChannel channel;
        private OutputStream fileOut;
        private long size;
        private boolean writing = true;
        private boolean released;
        private final OutputStream out = new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                append(b, off, len);
            }

            @Override
            public void close() {
                writing = false;
            }
        };

        PendingFile(String queueId, String key) {
            this.queueId = queueId;
            this.key = key;
            this.file = key.substring(0, 2) + "/" + key;
            this.dir = root.resolve(key.substring(0, 2));
            this.temp = dir.resolve(key + TEMP_SUFFIX);
            // before the file can exist, so the sweep never sees it outside the set while it is ours
            inFlight.add(key);
        }

        @Override
        public OutputStream out() {
            return out;
        }

        @Override
        public long size() {
            return size;
        }

        private void append(byte[] b, int off, int len) throws IOException {
            if (!writing || released) {
                throw new IOException("message content already closed");
            }
            if (fileOut == null && memory.size() + len > MEMORY) {
                openFile();
            }
            if (fileOut != null) {
                fileOut.write(b, off, len);
            } else {
                memory.write(b, off, len);
            }
            size += len;
        }

        private void openFile() throws IOException {
            ensureDirectory(dir);
            // owner-only, like the data directory around it: it is someone's mail
            channel = FileChannel.open(temp, OWNER_ONLY_NEW, OWNER_ONLY);
            fileOut = new BufferedOutputStream(Channels.newOutputStream(channel), WRITE_BUFFER);
            memory.writeTo(fileOut);
            memory = null;
        }

        @Override
        public String persist() throws IOException {
            writing = false;
            if (fileOut == null) {
                openFile();
            }
            fileOut.flush();
            DurabilityListener l = listener;
            if (l != null) {
                try {
                    l.contentSyncing(queueId);
                } catch (Exception e) {
                    throw new IOException(e.getMessage() == null ? e.toString() : e.getMessage(), e);
                }
            }
            channel.force(true);
            closeFile();
            Files.move(temp, dir.resolve(key), StandardCopyOption.ATOMIC_MOVE);
            syncDirectory(dir);
            if (l != null) {
                l.contentDurable(queueId);
            }
            return file;
        }

        private void closeFile() throws IOException {
            if (fileOut != null) {
                fileOut = null;
                channel.close();
            }
        }

        @Override
        public void insertRows(Connection c, long messageId) {
            // the content is in its file; the message row names it
        }

        @Override
        public void release(boolean referenced) {
            if (released) {
                return;
            }
            released = true;
            memory = null;
            if (!referenced) {
                try {
                    closeFile();
                } catch (IOException e) {
                    // deleted next
                }
                try {
                    Files.deleteIfExists(temp);
                    Files.deleteIfExists(dir.resolve(key));
                } catch (IOException e) {
                    log.warn("cannot delete the content of abandoned message {} (the orphan sweep will): {}", queueId, e.getMessage());
                }
            }
            // only now: until here the sweep must keep its hands off (see sweepOrphans)
            inFlight.remove(key);
        }
    }
}
