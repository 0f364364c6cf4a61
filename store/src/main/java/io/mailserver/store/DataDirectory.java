package io.mailserver.store;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.EnumSet;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The server's private directories ({@code server.data-dir} and what the store makes in it): created
 * owner-only (0700), since they hold the database, its lock file (the auto-server's address and key),
 * the database password, spilled message content and the TLS key.
 *
 * <p>An existing directory that others may enter is left as it is, with a warning: the operator chose
 * it, and it may be shared on purpose (changing the mode of, say, a mistyped {@code /tmp} would break
 * the machine). What is secret in it is protected on its own: {@code db.secret} is 0600.
 */
public final class DataDirectory {
    private static final Logger log = LoggerFactory.getLogger(DataDirectory.class);
    private static final Set<PosixFilePermission> OTHERS = EnumSet.of(
            PosixFilePermission.GROUP_READ, PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_EXECUTE,
            PosixFilePermission.OTHERS_READ, PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_EXECUTE);

    private DataDirectory() {
    }

    /**
     * Creates {@code dir} owner-only if it does not exist (missing parents get the default mode).
     * @throws StoreException when it cannot be created
     */
    public static void create(Path dir) {
        if (Files.isDirectory(dir)) {
            return;
        }
        try {
            Path parent = dir.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            if (isPosix(dir)) {
                Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            } else {
                Files.createDirectory(dir);
            }
        } catch (FileAlreadyExistsException e) {
            if (!Files.isDirectory(dir)) {
                throw new StoreException("cannot create the directory " + dir + ": a file of that name is in the way", e);
            }
            // another process made it meanwhile
        } catch (IOException e) {
            throw new StoreException("cannot create the directory " + dir + ": " + e, e);
        }
    }

    /** As {@link #create}, then warns when the directory (made earlier, by someone) is open to other users. */
    public static void prepare(Path dir) {
        create(dir);
        if (!isPosix(dir)) {
            return;
        }
        try {
            Set<PosixFilePermission> perms = Files.getPosixFilePermissions(dir);
            perms.retainAll(OTHERS);
            if (!perms.isEmpty()) {
                log.warn("{} is open to other users ({}); it holds the mail store: make it private with: chmod 700 {}",
                        dir, PosixFilePermissions.toString(Files.getPosixFilePermissions(dir)), dir);
            }
        } catch (IOException e) {
            log.warn("cannot check the permissions of {}: {}", dir, e.toString());
        }
    }

    static boolean isPosix(Path p) {
        return p.getFileSystem().supportedFileAttributeViews().contains("posix");
    }
}
