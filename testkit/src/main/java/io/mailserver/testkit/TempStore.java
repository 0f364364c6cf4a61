package io.mailserver.testkit;

import io.mailserver.config.ConfigKeys;
import io.mailserver.config.ServerConfig;
import io.mailserver.store.MailAddress;
import io.mailserver.store.MailStore;
import io.mailserver.store.PasswordHasher;
import io.mailserver.store.User;
import io.mailserver.store.jdbc.JdbcMailStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * A real store for tests: a fresh data directory under the system temp directory with the embedded H2
 * default (same settings as production), deleted on {@link #close()}.
 *
 * <pre>{@code
 * try (TempStore ts = TempStore.create()) {
 *     User alice = ts.addUser("alice@example.test", "secret");
 *     ts.store().messages().begin(...);
 * }
 * }</pre>
 *
 * Passwords are hashed with {@link #TEST_ITERATIONS} PBKDF2 iterations instead of the production
 * 310,000, so tests that create or authenticate many users stay fast; {@link #createWithRealHashing()}
 * uses the production hasher.
 */
public final class TempStore implements AutoCloseable {
    public static final int TEST_ITERATIONS = 1_000;

    private final Path dataDir;
    private final ServerConfig config;
    private final JdbcMailStore store;

    private TempStore(Path dataDir, ServerConfig config, JdbcMailStore store) {
        this.dataDir = dataDir;
        this.config = config;
        this.store = store;
    }

    public static TempStore create() {
        return create(Map.of(), new PasswordHasher(TEST_ITERATIONS));
    }

    public static TempStore createWithRealHashing() {
        return create(Map.of(), new PasswordHasher());
    }

    /** With extra configuration keys (the data directory is always the temporary one). */
    public static TempStore create(Map<String, String> settings, PasswordHasher hasher) {
        Path dir;
        try {
            dir = Files.createTempDirectory("mailstore-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Map<String, String> all = new HashMap<>(settings);
        all.put(ConfigKeys.DATA_DIR, dir.toString());
        ServerConfig config = ServerConfig.fromMap(all);
        try {
            return new TempStore(dir, config, JdbcMailStore.open(config, hasher));
        } catch (RuntimeException e) {
            TestFiles.deleteTree(dir);
            throw e;
        }
    }

    public MailStore store() {
        return store;
    }

    public JdbcMailStore jdbcStore() {
        return store;
    }

    public Path dataDir() {
        return dataDir;
    }

    /** The configuration the store was opened with (data directory set); hand it to servers under test. */
    public ServerConfig config() {
        return config;
    }

    /** Adds the user, creating its domain first if needed. */
    public User addUser(String address, String password) {
        MailAddress a = MailAddress.parse(address);
        if (store.domains().find(a.normalizedDomain()).isEmpty()) {
            store.domains().add(a.normalizedDomain());
        }
        return store.users().add(a, null, password.toCharArray());
    }

    @Override
    public void close() {
        try {
            store.close();
        } finally {
            TestFiles.deleteTree(dataDir);
        }
    }
}
