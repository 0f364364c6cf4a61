package io.mailserver.store.jdbc;

import io.mailserver.store.MailAddress;
import io.mailserver.store.User;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/** One fresh store per test on the subclass's backend, plus helpers. */
abstract class StoreTestBase {
    @TempDir
    Path dataDir;
    JdbcMailStore store;

    abstract Backend backend();

    /** Where new content goes; null: the store's choice for the backend (files on H2, the database on PostgreSQL). */
    ContentStorage contentStorage() {
        return null;
    }

    /**
     * PostgreSQL: one database per test class, emptied before each test (creating and dropping a
     * database per test costs a checkpoint each). H2: a fresh file per test, which is cheap.
     */
    private static final Map<Class<?>, String> POSTGRES_DATABASES = new ConcurrentHashMap<>();

    @BeforeEach
    void openStore() {
        backend().assumeAvailable();
        if (backend() == Backend.POSTGRES) {
            String url = POSTGRES_DATABASES.computeIfAbsent(getClass(), k -> backend().url(dataDir));
            store = backend().open(url, dataDir, contentStorage());
            store.database().read("emptying the test database", c -> {
                try (var s = c.createStatement()) {
                    s.execute("TRUNCATE domains, users, aliases, alias_targets, messages, message_chunks, mailbox_entries,"
                            + " outbound_queue, maildrop_locks RESTART IDENTITY CASCADE");
                }
                return null;
            });
        } else {
            store = backend().open(backend().url(dataDir), dataDir, contentStorage());
        }
    }

    /** The same database again, as after a restart (the current store must be closed first). */
    JdbcMailStore reopen() {
        String url = backend() == Backend.POSTGRES ? POSTGRES_DATABASES.get(getClass()) : backend().url(dataDir);
        return backend().open(url, dataDir, contentStorage());
    }

    @AfterEach
    void closeStore() {
        if (store != null) {
            store.close();
        }
    }

    static MailAddress addr(String s) {
        return MailAddress.parse(s);
    }

    User user(String address) {
        MailAddress a = addr(address);
        if (!store.domains().isLocal(a.normalizedDomain())) {
            store.domains().add(a.normalizedDomain());
        }
        return store.users().add(a, null, "pw".toCharArray());
    }

    long deliver(String sender, String content, List<Long> localUsers, List<String> remote) {
        try (var d = store.messages().begin(sender, "Q" + System.nanoTime())) {
            d.content().write(content.getBytes(StandardCharsets.UTF_8));
            localUsers.forEach(d::addLocalRecipient);
            remote.forEach(d::addRemoteRecipient);
            return d.commit();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** A single number from SQL, for checking rows directly. */
    long count(String sql, Object... params) {
        return store.database().read("test query", c -> {
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                for (int i = 0; i < params.length; i++) {
                    ps.setObject(i + 1, params[i]);
                }
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return rs.getLong(1);
                }
            }
        });
    }

    /** What holds a message's content now: its chunk rows, or 1 while its file exists. */
    long contentPieces(long messageId) {
        String file = string("SELECT content_file FROM messages WHERE id = ?", messageId);
        if (file != null) {
            return java.nio.file.Files.exists(JdbcMailStore.contentDir(dataDir).resolve(file)) ? 1 : 0;
        }
        return count("SELECT COUNT(*) FROM message_chunks WHERE message_id = ?", messageId);
    }

    /** What a message of {@code chunks} chunk rows takes in this store: the chunks, or one file. */
    long piecesFor(long chunks) {
        return store.contentStorage() == ContentStorage.FILES ? 1 : chunks;
    }

    /** Every piece of content in the store: all chunk rows plus all content files (temporary ones too). */
    long storedPieces() {
        long files = 0;
        java.nio.file.Path dir = JdbcMailStore.contentDir(dataDir);
        if (java.nio.file.Files.isDirectory(dir)) {
            try (var walk = java.nio.file.Files.walk(dir)) {
                files = walk.filter(java.nio.file.Files::isRegularFile).count();
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
        return files + count("SELECT COUNT(*) FROM message_chunks");
    }

    String string(String sql, Object... params) {
        return store.database().read("test query", c -> {
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                for (int i = 0; i < params.length; i++) {
                    ps.setObject(i + 1, params[i]);
                }
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? rs.getString(1) : null;
                }
            }
        });
    }
}
