package io.mailserver.store.jdbc;

import io.mailserver.store.PasswordHasher;
import io.mailserver.testkit.PostgresCluster;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;

/** Where a contract test's store lives: a fresh embedded H2 file, or a fresh database on a throwaway PostgreSQL. */
enum Backend {
    H2, POSTGRES;

    /** Cheap hashing: these tests create many users; PasswordHasherTest covers the production count. */
    static final PasswordHasher HASHER = new PasswordHasher(1_000);

    /** Skips the calling test (with the reason) when this backend cannot run here. */
    void assumeAvailable() {
        if (this == POSTGRES) {
            Assumptions.assumeTrue(PostgresCluster.available(), () -> "skipped: " + PostgresCluster.unavailableReason());
        }
    }

    /** A fresh, empty store whose temporary files go under {@code dataDir}. */
    JdbcMailStore open(Path dataDir) {
        return open(url(dataDir), dataDir);
    }

    JdbcMailStore open(String url, Path dataDir) {
        return JdbcMailStore.open(url, user(), "", 8, dataDir, HASHER);
    }

    /** With new content going to {@code storage} (null: the store's default for this backend). */
    JdbcMailStore open(String url, Path dataDir, ContentStorage storage) {
        return storage == null ? open(url, dataDir) : JdbcMailStore.open(url, user(), "", 8, dataDir, HASHER, storage);
    }

    /** A URL for a new, empty database. */
    String url(Path dataDir) {
        return this == H2 ? JdbcMailStore.defaultUrl(dataDir) : PostgresCluster.shared().createDatabase();
    }

    /** Frees what {@link #url} made (PostgreSQL databases take several MB each). */
    void drop(String url) {
        if (this == POSTGRES) {
            PostgresCluster.shared().dropDatabase(url);
        }
    }

    String user() {
        return this == H2 ? "mail" : PostgresCluster.shared().user();
    }
}
