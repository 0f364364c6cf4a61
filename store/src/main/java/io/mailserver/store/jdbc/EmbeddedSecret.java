package io.mailserver.store.jdbc;

import io.mailserver.store.StoreException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.Base64;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The password of the embedded H2 database, kept in {@code <data-dir>/db.secret} (mode 0600).
 *
 * <p>Why: with {@code AUTO_SERVER=TRUE} the process that opened the file runs a TCP server, and any
 * process on the host that can read the lock file ({@code mail.lock.db}: port and key) can connect to it.
 * The database user is an admin (group commit's {@code CHECKPOINT SYNC} needs one), and an admin can
 * run {@code CREATE ALIAS}: Java code as the server's OS user. With the empty password that used to be
 * the default, the lock file was all it took. Now the first start makes a random password, and only the
 * data directory's owner (the server and mailctl, running as that user, or root) can read it.
 *
 * <p>A database made before this still has the empty password; the server's open ({@link JdbcMailStore.Role#SERVER})
 * sets a random one and writes the file. mailctl ({@link JdbcMailStore.Role#TOOL}) does not: an older server may
 * still be running on that file and would fail to open new connections with the empty password.
 */
final class EmbeddedSecret {
    private static final Logger log = LoggerFactory.getLogger(EmbeddedSecret.class);
    static final String FILE_NAME = "db.secret";
    /** A password chosen by an upgrade but not yet known to be in the database; it becomes db.secret when it is. */
    static final String PENDING_FILE_NAME = "db.secret.new";
    /** H2's ErrorCode.WRONG_USER_OR_PASSWORD. */
    private static final int WRONG_USER_OR_PASSWORD = 28000;
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");

    private EmbeddedSecret() {
    }

    /**
     * The password to open the embedded database at {@code url} with, making it first if needed: on a
     * first start (no database yet) a new one; for a database still on the empty password, an upgrade
     * when {@code role} is SERVER, the empty password otherwise.
     * @throws UnreadableSecretException when the file exists but this OS user may not read it
     */
    static String password(Path dataDir, Path databaseFile, String url, String user, JdbcMailStore.Role role) {
        Path file = dataDir.resolve(FILE_NAME);
        Optional<String> existing = readFile(file);
        if (existing.isPresent()) {
            return existing.get();
        }
        if (!Files.exists(databaseFile)) {
            // First start: H2 creates the database with this password on the first connection.
            return createOnce(file, newPassword());
        }
        if (role == JdbcMailStore.Role.TOOL) {
            return "";
        }
        return upgradeFromEmptyPassword(dataDir, url, user);
    }

    /** The password in {@code <dataDir>/db.secret}, if there is one. */
    static Optional<String> read(Path dataDir) {
        return readFile(dataDir.resolve(FILE_NAME));
    }

    private static Optional<String> readFile(Path file) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.US_ASCII).strip();
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (AccessDeniedException e) {
            throw new UnreadableSecretException(file, e);
        } catch (IOException e) {
            throw new StoreException("cannot read " + file + ": " + e, e);
        }
        if (text.isEmpty()) {
            throw new StoreException(file + " is empty; it should hold the embedded database's password");
        }
        keepPrivate(file);
        return Optional.of(text);
    }

    /** 32 random bytes, base64url: no character that needs quoting anywhere. */
    static String newPassword() {
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    /**
     * Sets a random password on a database that accepts the empty one. Crash-safe: the new password is
     * written to db.secret.new (synced) before the database is changed, and renamed to db.secret after;
     * a crash in between leaves db.secret.new, which the next open tries.
     */
    private static String upgradeFromEmptyPassword(Path dataDir, String url, String user) {
        Path file = dataDir.resolve(FILE_NAME);
        Path pendingFile = dataDir.resolve(PENDING_FILE_NAME);
        String pending = readFile(pendingFile).orElseGet(() -> createOnce(pendingFile, newPassword()));
        try (Connection c = DriverManager.getConnection(url, user, "")) {
            // H2 keeps user names in upper case (ConnectionInfo upper-cases the JDBC user)
            String name = "\"" + user.toUpperCase(Locale.ROOT).replace("\"", "\"\"") + "\"";
            try (PreparedStatement ps = c.prepareStatement("ALTER USER " + name + " SET PASSWORD ?")) {
                ps.setString(1, pending);
                ps.execute();
            }
        } catch (SQLException e) {
            if (e.getErrorCode() != WRONG_USER_OR_PASSWORD) {
                throw new StoreException("cannot open the embedded database to set its password: " + Database.firstLine(e.getMessage()), e);
            }
            if (!accepts(url, user, pending)) {
                throw new StoreException("the embedded database refuses the empty password and " + file
                        + " does not exist: set db.password to the database's password", e);
            }
            // an earlier upgrade set the pending password and stopped before the rename
        }
        try {
            Files.move(pendingFile, file, StandardCopyOption.ATOMIC_MOVE);
            syncDirectory(dataDir);
        } catch (IOException e) {
            throw new StoreException("cannot rename " + pendingFile + " to " + file + ": " + e, e);
        }
        log.warn("the embedded database had an empty password (any local user who could read its lock file could"
                + " connect as admin); it now has a random one, kept in {} (owner only)", file);
        return pending;
    }

    private static boolean accepts(String url, String user, String password) {
        try (Connection c = DriverManager.getConnection(url, user, password)) {
            return true;
        } catch (SQLException e) {
            return false;
        }
    }

    /**
     * Writes {@code secret} to {@code file} unless the file exists, and returns what the file holds: the
     * new secret, or the one another process wrote first (two first starts at once agree on one).
     * The content is complete and synced before the name appears, and the file is 0600 from its creation.
     */
    private static String createOnce(Path file, String secret) {
        Path temp = file.resolveSibling(file.getFileName() + "." + HexFormat.of().toHexDigits(RANDOM.nextLong()) + ".tmp");
        try {
            try (FileChannel ch = FileChannel.open(temp, EnumSet.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE), ownerOnly(temp))) {
                ch.write(ByteBuffer.wrap((secret + "\n").getBytes(StandardCharsets.US_ASCII)));
                ch.force(true);
            }
            try {
                // link() never replaces an existing name, unlike rename()
                Files.createLink(file, temp);
            } catch (FileAlreadyExistsException e) {
                return readFile(file).orElseThrow(() -> new StoreException(file + " vanished while it was being created"));
            } finally {
                Files.deleteIfExists(temp);
            }
            syncDirectory(file.getParent());
            return secret;
        } catch (IOException | UnsupportedOperationException e) {
            throw new StoreException("cannot write " + file + ": " + e, e);
        }
    }

    private static FileAttribute<?>[] ownerOnly(Path p) {
        return isPosix(p) ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(OWNER_ONLY)} : new FileAttribute<?>[0];
    }

    /** db.secret is only ever ours: if someone loosened its mode, it goes back to owner-only. */
    private static void keepPrivate(Path file) {
        if (!isPosix(file)) {
            return;
        }
        try {
            Set<PosixFilePermission> perms = Files.getPosixFilePermissions(file);
            if (!OWNER_ONLY.containsAll(perms)) {
                Files.setPosixFilePermissions(file, OWNER_ONLY);
                log.warn("{} was {}: made it owner-only (rw-------)", file, PosixFilePermissions.toString(perms));
            }
        } catch (IOException e) {
            log.warn("cannot check the permissions of {}: {}", file, e.toString());
        }
    }

    private static boolean isPosix(Path p) {
        return p.getFileSystem().supportedFileAttributeViews().contains("posix");
    }

    /** Makes a new or renamed name in {@code dir} survive a power cut (Linux allows fsync on a directory). */
    private static void syncDirectory(Path dir) {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException e) {
            log.debug("cannot sync directory {}: {}", dir, e.toString());
        }
    }
}
