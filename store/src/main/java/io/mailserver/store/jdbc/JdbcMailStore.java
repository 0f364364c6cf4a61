package io.mailserver.store.jdbc;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.mailserver.config.ServerConfig;
import io.mailserver.store.AliasRepository;
import io.mailserver.store.DataDirectory;
import io.mailserver.store.Delivery;
import io.mailserver.store.Directory;
import io.mailserver.store.DkimKeyStore;
import io.mailserver.store.DomainRepository;
import io.mailserver.store.MailStore;
import io.mailserver.store.MaildropStore;
import io.mailserver.store.MessageStore;
import io.mailserver.store.PasswordHasher;
import io.mailserver.store.QueueStore;
import io.mailserver.store.StoreException;
import io.mailserver.store.UserRepository;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.FlywayException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The store on JDBC: H2 (embedded, the default) or PostgreSQL. Opening it migrates the schema (Flyway)
 * and, on H2, starts the group-commit syncer. See docs/store.md for the H2 settings and why.
 */
public final class JdbcMailStore implements MailStore {
    private static final Logger log = LoggerFactory.getLogger(JdbcMailStore.class);

    /**
     * The embedded default's settings, appended to {@code jdbc:h2:file:<data-dir>/db/mail}:
     * WRITE_DELAY=0 so that a commit is written to the file before it returns (it survives kill -9; the
     * group commit's CHECKPOINT SYNC makes it survive a power cut); AUTO_SERVER=TRUE so that mailctl, in
     * another process, can use the same file while the server runs; LOCK_TIMEOUT raised from 2 s so that
     * a burst of writers waits rather than fails.
     */
    public static final String H2_SETTINGS = ";WRITE_DELAY=0;AUTO_SERVER=TRUE;LOCK_TIMEOUT=10000";

    /** Who opens the store: decides the background work and the one-time upgrade done at open. */
    public enum Role {
        /**
         * The server: sweeps unreferenced content at open and every {@link ContentSweeper#INTERVAL}, and gives
         * an embedded database still on the empty password a random one (see {@link EmbeddedSecret}).
         */
        SERVER,
        /** mailctl and other short commands: no background work and no upgrade (the server does both). */
        TOOL
    }

    static {
        // AUTO_SERVER starts H2's TCP server with -tcpAllowOthers on all interfaces (H2 2.3.232,
        // Database.startServer). Binding it to loopback keeps other hosts out; mailctl and the server run
        // on the same machine. Must be set before H2 reads its system properties; an explicit setting wins.
        if (System.getProperty("h2.bindAddress") == null) {
            System.setProperty("h2.bindAddress", "127.0.0.1");
        }
    }

    private final HikariDataSource dataSource;
    private final Database db;
    private final GroupCommit groupCommit;
    private final JdbcDomains domains;
    private final JdbcUsers users;
    private final JdbcAliases aliases;
    private final JdbcDirectory directory;
    private final JdbcMaildrops maildrops;
    private final JdbcQueue queue;
    private final JdbcDkimKeys dkimKeys;
    private final MessageStore messages;
    private final ContentSweeper sweeper;
    private final ContentStorage contentStorage;

    private JdbcMailStore(HikariDataSource dataSource, GroupCommit groupCommit, String description, Path dataDir, PasswordHasher hasher,
                          ContentStorage contentStorage) {
        this.dataSource = dataSource;
        this.groupCommit = groupCommit;
        this.contentStorage = contentStorage;
        Path tempDir = tempDir(dataDir);
        FileContents files = new FileContents(contentDir(dataDir));
        this.db = new Database(dataSource, groupCommit, description, files);
        this.domains = new JdbcDomains(db);
        this.users = new JdbcUsers(db, hasher);
        this.aliases = new JdbcAliases(db);
        this.directory = new JdbcDirectory(db);
        this.maildrops = new JdbcMaildrops(db);
        this.queue = new JdbcQueue(db);
        this.dkimKeys = new JdbcDkimKeys(db);
        this.messages = (sender, queueId) -> new JdbcDelivery(db,
                contentStorage == ContentStorage.FILES ? files.create(queueId) : new ChunkContent(tempDir), sender, queueId);
        this.sweeper = new ContentSweeper(db);
    }

    /** Opens the store the configuration names (db.url, or the embedded H2 file under the data directory) for the server. */
    public static JdbcMailStore open(ServerConfig config) {
        return open(config, new PasswordHasher(), Role.SERVER);
    }

    /** As {@link #open(ServerConfig)}, with another password hasher (tests use a cheaper one). */
    public static JdbcMailStore open(ServerConfig config, PasswordHasher hasher) {
        return open(config, hasher, Role.SERVER);
    }

    /**
     * Opens the store the configuration names. The data directory is created owner-only. For the embedded
     * default, the password comes from {@code <data-dir>/db.secret} (made at the first start) unless
     * db.password is set; db.user and db.password of a configured db.url are used as they are.
     * @throws UnreadableSecretException when db.secret exists but this OS user may not read it
     */
    public static JdbcMailStore open(ServerConfig config, PasswordHasher hasher, Role role) {
        Path dataDir = config.dataDir();
        DataDirectory.prepare(dataDir);
        if (config.databaseUrl().isPresent()) {
            String url = config.databaseUrl().get();
            return open(url, config.databaseUser(), config.databasePassword(), config.dbPoolSize(),
                    dataDir, hasher, true, role, contentStorage(config, url));
        }
        String url = defaultUrl(dataDir);
        String password = config.databasePassword().isEmpty()
                ? EmbeddedSecret.password(dataDir, defaultDatabaseFile(dataDir), url, config.databaseUser(), role)
                : config.databasePassword();
        return open(url, config.databaseUser(), password, config.dbPoolSize(), dataDir, hasher, true, role, contentStorage(config, url));
    }

    private static ContentStorage contentStorage(ServerConfig config, String url) {
        try {
            return ContentStorage.choose(config.contentStorage(), url);
        } catch (IllegalArgumentException e) {
            throw new StoreException(e.getMessage(), e);
        }
    }

    /** Where the files backend keeps message content: {@code <dataDir>/content}. */
    public static Path contentDir(Path dataDir) {
        return dataDir.toAbsolutePath().normalize().resolve("content");
    }

    private static Path tempDir(Path dataDir) {
        return dataDir.toAbsolutePath().normalize().resolve("tmp");
    }

    /** The embedded default: an H2 file in {@code <dataDir>/db/mail} with {@link #H2_SETTINGS}. */
    public static String defaultUrl(Path dataDir) {
        return "jdbc:h2:file:" + defaultDatabaseName(dataDir) + H2_SETTINGS;
    }

    private static Path defaultDatabaseName(Path dataDir) {
        return dataDir.toAbsolutePath().normalize().resolve("db").resolve("mail");
    }

    /** The file H2 keeps the embedded default in (it exists once the database was created). */
    static Path defaultDatabaseFile(Path dataDir) {
        return defaultDatabaseName(dataDir).resolveSibling("mail.mv.db");
    }

    /**
     * Opens a store at {@code url}, with content in files for H2 and in the database for PostgreSQL.
     * {@code dataDir} holds the content files ({@code <dataDir>/content}) and temporary files of
     * deliveries in progress ({@code <dataDir>/tmp}).
     * @throws StoreException when the database cannot be reached or migrated
     */
    public static JdbcMailStore open(String url, String user, String password, int poolSize, Path dataDir, PasswordHasher hasher) {
        return open(url, user, password, poolSize, dataDir, hasher, ContentStorage.choose("auto", url));
    }

    /** As above, with new content going where {@code contentStorage} says. */
    public static JdbcMailStore open(String url, String user, String password, int poolSize, Path dataDir, PasswordHasher hasher,
                                     ContentStorage contentStorage) {
        return open(url, user, password, poolSize, dataDir, hasher, true, Role.SERVER, contentStorage);
    }

    /** {@code diskSync} false only for the benchmark that measures what group commit costs. */
    static JdbcMailStore open(String url, String user, String password, int poolSize, Path dataDir, PasswordHasher hasher,
                              boolean diskSync, Role role, ContentStorage contentStorage) {
        String jdbcUrl = withDurableH2Settings(url);
        String description = describe(jdbcUrl);
        Path tempDir = tempDir(dataDir);
        DataDirectory.create(dataDir);
        DataDirectory.create(tempDir);
        removeStaleTempFiles(tempDir);
        if (isH2File(jdbcUrl)) {
            createParentDirectory(jdbcUrl);
        }
        HikariConfig hc = new HikariConfig();
        hc.setJdbcUrl(jdbcUrl);
        hc.setUsername(user);
        hc.setPassword(password);
        hc.setMaximumPoolSize(Math.max(2, poolSize));
        hc.setMinimumIdle(Math.min(2, poolSize));
        hc.setConnectionTimeout(10_000);
        hc.setPoolName("store");
        // pool usage (hikaricp_connections_*) on the global registry: exported once the server adds one to it
        hc.setMetricRegistry(io.micrometer.core.instrument.Metrics.globalRegistry);
        if (isH2(jdbcUrl)) {
            hc.setExceptionOverrideClassName(H2ClosedEviction.class.getName());
        }
        if (PostgresDurability.isPostgres(jdbcUrl)) {
            PostgresDurability.configure(hc);
        }
        HikariDataSource ds;
        try {
            ds = new HikariDataSource(hc);
        } catch (RuntimeException e) {
            throw new StoreException("cannot open the database (" + description + "): " + rootMessage(e), e);
        }
        try {
            if (PostgresDurability.isPostgres(jdbcUrl)) {
                PostgresDurability.requireFsync(ds, description);
            }
            Flyway.configure().dataSource(ds).locations("classpath:db/migration").load().migrate();
            GroupCommit gc = diskSync && isH2(jdbcUrl) && !jdbcUrl.startsWith("jdbc:h2:mem:")
                    ? h2GroupCommit(ds, description)
                    : GroupCommit.none();
            log.info("store open: {} (group commit: {}; new content in {})", description,
                    gc.enabled() ? "CHECKPOINT SYNC" : "database commit",
                    contentStorage == ContentStorage.FILES ? contentDir(dataDir) : "the database");
            JdbcMailStore store = new JdbcMailStore(ds, gc, description, dataDir, hasher, contentStorage);
            if (role == Role.SERVER) {
                if (contentStorage == ContentStorage.FILES) {
                    store.db.files().prepare();
                }
                store.sweeper.start();
            }
            return store;
        } catch (FlywayException e) {
            ds.close();
            throw new StoreException("cannot migrate the database schema (" + description + "): " + rootMessage(e), e);
        } catch (RuntimeException e) {
            ds.close();
            throw e;
        }
    }

    /** On H2 only CHECKPOINT SYNC reaches the disk (it needs an admin user); check once that it works. */
    private static GroupCommit h2GroupCommit(HikariDataSource ds, String description) {
        CheckpointSync sync = new CheckpointSync(ds);
        try {
            sync.sync();
        } catch (Exception e) {
            sync.close();
            throw new StoreException("the H2 database user cannot run CHECKPOINT SYNC (" + description
                    + "); the store needs an admin user to make commits durable: " + rootMessage(e), e);
        }
        return GroupCommit.syncing(sync, "store-group-commit");
    }

    /** An H2 file URL without WRITE_DELAY gets WRITE_DELAY=0: without it H2 loses acknowledged commits on kill -9. */
    static String withDurableH2Settings(String url) {
        if (isH2File(url) && !url.toUpperCase(Locale.ROOT).contains(";WRITE_DELAY=")) {
            return url + ";WRITE_DELAY=0";
        }
        if (isH2File(url) && !url.toUpperCase(Locale.ROOT).contains(";WRITE_DELAY=0")) {
            log.warn("db.url sets a WRITE_DELAY other than 0: acknowledged mail can be lost if the process is killed");
        }
        return url;
    }

    private static boolean isH2(String url) {
        return url.startsWith("jdbc:h2:");
    }

    private static boolean isH2File(String url) {
        return isH2(url) && !url.startsWith("jdbc:h2:mem:") && !url.startsWith("jdbc:h2:tcp:") && !url.startsWith("jdbc:h2:ssl:");
    }

    private static void createParentDirectory(String url) {
        String path = url.substring("jdbc:h2:".length());
        if (path.startsWith("file:")) {
            path = path.substring("file:".length());
        }
        int semi = path.indexOf(';');
        Path file = Path.of(semi < 0 ? path : path.substring(0, semi));
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            // Owner only: the database files and H2's lock file (which holds the auto-server key) are private.
            DataDirectory.create(parent);
        }
    }

    /** The URL without parameters that could hold secrets, for messages and logs. */
    private static String describe(String url) {
        int semi = url.indexOf(';');
        int q = url.indexOf('?');
        int cut = semi < 0 ? q : (q < 0 ? semi : Math.min(semi, q));
        return cut < 0 ? url : url.substring(0, cut);
    }

    /** Deliveries interrupted by a crash leave temporary files; those older than a day are certainly abandoned. */
    private static void removeStaleTempFiles(Path tempDir) {
        Instant cutoff = Instant.now().minus(Duration.ofDays(1));
        try (DirectoryStream<Path> files = Files.newDirectoryStream(tempDir, "msg-*.tmp")) {
            for (Path f : files) {
                if (Files.getLastModifiedTime(f).toInstant().isBefore(cutoff)) {
                    Files.deleteIfExists(f);
                }
            }
        } catch (IOException e) {
            log.warn("cannot clean {}: {}", tempDir, e.getMessage());
        }
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return Database.firstLine(t.getMessage() == null ? t.toString() : t.getMessage());
    }

    @Override
    public DomainRepository domains() {
        return domains;
    }

    @Override
    public UserRepository users() {
        return users;
    }

    @Override
    public AliasRepository aliases() {
        return aliases;
    }

    @Override
    public Directory directory() {
        return directory;
    }

    @Override
    public DkimKeyStore dkimKeys() {
        return dkimKeys;
    }

    @Override
    public MessageStore messages() {
        return messages;
    }

    @Override
    public MaildropStore maildrops() {
        return maildrops;
    }

    @Override
    public QueueStore queue() {
        return queue;
    }

    /** Starts a delivery (same as {@code messages().begin(...)}). */
    public Delivery begin(String envelopeSender, String queueId) {
        return messages.begin(envelopeSender, queueId);
    }

    @Override
    public boolean isAvailable() {
        try (Connection c = dataSource.getConnection()) {
            return c.isValid(2);
        } catch (SQLException e) {
            return false;
        }
    }

    /** For tests in this package: direct SQL access to check rows. */
    Database database() {
        return db;
    }

    /** Test-facing: reports commits and disk syncs to {@code listener} (null: to nobody); see {@link DurabilityListener}. */
    public void durabilityListener(DurabilityListener listener) {
        groupCommit.listener(listener);
        db.files().listener(listener);
    }

    /** Where this store writes new content. */
    public ContentStorage contentStorage() {
        return contentStorage;
    }

    /** How many disk syncs the group commit has run (0 on PostgreSQL); for benchmarks and tests. */
    public long diskSyncs() {
        return groupCommit.syncCount();
    }

    /**
     * Reclaims now the content of every message that no mailbox entry or queue row refers to (the
     * background sweeper does the same at open and every {@link ContentSweeper#INTERVAL}).
     * @return how many messages were reclaimed
     */
    int sweepUnreferencedContent() {
        return Contents.sweep(db);
    }

    /**
     * Deletes now the content files that no message row names and that were last changed before
     * {@code cutoff} (the background sweeper uses {@link FileContents#ORPHAN_AGE} ago).
     * @return how many files were deleted
     */
    int sweepOrphanFiles(Instant cutoff) {
        return db.files().sweepOrphans(db, cutoff);
    }

    @Override
    public void close() {
        sweeper.close();
        groupCommit.close();
        dataSource.close();
    }
}
