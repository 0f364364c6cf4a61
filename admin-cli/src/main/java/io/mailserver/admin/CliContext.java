package io.mailserver.admin;

import io.mailserver.config.ConfigKeys;
import io.mailserver.config.ConfigException;
import io.mailserver.config.ServerConfig;
import io.mailserver.store.MailStore;
import io.mailserver.store.StoreException;
import io.mailserver.store.jdbc.UnreadableSecretException;

import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * What one mailctl invocation works with: its streams, environment and configuration, and the store,
 * opened on first use only (so {@code --help} and input errors need no database) and closed at the end.
 */
public final class CliContext implements AutoCloseable {
    /** mailctl runs one statement at a time: a pool of the server's size would only hold idle connections. */
    static final String POOL_SIZE = "2";

    private final InputStream stdin;
    private final PrintStream out;
    private final PrintStream err;
    private final Map<String, String> env;
    private final Terminal terminal;
    private final StoreOpener opener;
    private Path configFile;
    private ServerConfig config;
    private MailStore store;

    public CliContext(InputStream stdin, PrintStream out, PrintStream err, Map<String, String> env, Terminal terminal, StoreOpener opener) {
        this.stdin = stdin;
        this.out = out;
        this.err = err;
        this.env = env;
        this.terminal = terminal;
        this.opener = opener;
    }

    public InputStream stdin() {
        return stdin;
    }

    public PrintStream out() {
        return out;
    }

    public PrintStream err() {
        return err;
    }

    public Terminal terminal() {
        return terminal;
    }

    void configFile(Path file) {
        this.configFile = file;
    }

    /** The server's configuration: the {@code --config} file (or the defaults) plus MAILSERVER_* overrides. */
    public ServerConfig config() {
        if (config == null) {
            if (configFile != null && !Files.isRegularFile(configFile)) {
                throw new CliException(ExitCode.CONFIG, "configuration file " + configFile + " does not exist or is not a file");
            }
            config = ServerConfig.load(configFile, env);
        }
        return config;
    }

    /** The store, opened now if this is the first use. Failures to reach it become {@link StoreException}. */
    public MailStore store() {
        if (store == null) {
            ServerConfig storeConfig = config().with(Map.of(ConfigKeys.DB_POOL_SIZE, POOL_SIZE));
            try {
                store = opener.open(storeConfig);
            } catch (UnreadableSecretException e) {
                // the embedded database's password is readable by the server's OS user (and root) only
                throw new CliException(ExitCode.STORE_UNAVAILABLE, "cannot read " + e.file() + ": run mailctl as the server's user");
            } catch (StoreException | ConfigException e) {
                throw e;
            } catch (RuntimeException e) {
                // a driver or pool error while connecting: the database is not reachable as configured
                throw new StoreException("cannot open the store at " + where(storeConfig), e);
            }
        }
        return store;
    }

    /** Where the store is, for messages: the JDBC URL without parameters or user info (they may hold a password). */
    private static String where(ServerConfig config) {
        return config.databaseUrl()
                .map(url -> url.replaceAll("[?;].*$", "").replaceAll("//[^/@]*@", "//"))
                .orElse("embedded H2 in " + config.dataDir());
    }

    @Override
    public void close() {
        if (store != null) {
            MailStore s = store;
            store = null;
            s.close();
        }
    }
}
