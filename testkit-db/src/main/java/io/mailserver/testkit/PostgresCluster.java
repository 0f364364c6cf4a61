package io.mailserver.testkit;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.UserPrincipal;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A throwaway PostgreSQL server for tests: {@code initdb} into a temporary directory, {@code postgres}
 * on 127.0.0.1 and a free port, trust authentication for user {@code postgres}, removed on close.
 *
 * <p>The binaries are found under {@code /usr/lib/postgresql/<version>/bin} (Debian's layout, newest
 * version first) or on the PATH. PostgreSQL refuses to run as root; when the tests run as root the
 * cluster is created and run as an unprivileged account ({@code postgres} if it exists, else
 * {@code nobody}) through {@code runuser}, in a directory that account owns.
 *
 * <p>Tests call {@link #available()} first and skip with {@link #unavailableReason()} when it is false;
 * {@link #shared()} gives one cluster per JVM (started once, stopped at exit) and
 * {@link #createDatabase()} a fresh database per test class.
 */
public final class PostgresCluster implements AutoCloseable {
    private static final AtomicInteger DATABASES = new AtomicInteger();
    private static PostgresCluster shared;

    private final Path binDir;
    private final Path baseDir;
    private final Path dataDir;
    private final List<String> runAs;
    private final int port;
    private volatile boolean stopped;

    private PostgresCluster(Path binDir, Path baseDir, List<String> runAs, int port) {
        this.binDir = binDir;
        this.baseDir = baseDir;
        this.dataDir = baseDir.resolve("data");
        this.runAs = runAs;
        this.port = port;
    }

    /** True if PostgreSQL's server binaries (and, as root, a way to drop privileges) are on this machine. */
    public static boolean available() {
        return unavailableReason() == null;
    }

    /** Why {@link #available()} is false, or null when it is true. */
    public static String unavailableReason() {
        if (findBinDir().isEmpty()) {
            return "PostgreSQL server binaries (initdb, pg_ctl, postgres) not found under /usr/lib/postgresql/*/bin or on the PATH;"
                    + " install Debian's postgresql package to run the PostgreSQL tests";
        }
        if (isRoot() && findOnPath("runuser").isEmpty()) {
            return "running as root, and runuser (util-linux) is missing to start PostgreSQL as an unprivileged user";
        }
        return null;
    }

    /** One cluster for the whole test JVM, started on first use and stopped when the JVM exits. */
    public static synchronized PostgresCluster shared() {
        if (shared == null || shared.stopped) {
            PostgresCluster cluster = start();
            Runtime.getRuntime().addShutdownHook(new Thread(cluster::close, "postgres-cluster-stop"));
            shared = cluster;
        }
        return shared;
    }

    /** Starts a new cluster (a few seconds: initdb, then the server). */
    public static PostgresCluster start() {
        String reason = unavailableReason();
        if (reason != null) {
            throw new IllegalStateException(reason);
        }
        Path bin = findBinDir().orElseThrow();
        List<String> runAs = new ArrayList<>();
        Path base;
        try {
            // As root the directory must be reachable by the unprivileged account: /tmp is, a custom
            // java.io.tmpdir under /root would not be.
            Path parent = isRoot() && Files.isDirectory(Path.of("/tmp")) ? Path.of("/tmp") : Path.of(System.getProperty("java.io.tmpdir"));
            base = Files.createTempDirectory(parent, "pgcluster-");
            if (isRoot()) {
                String account = accountExists("postgres") ? "postgres" : "nobody";
                UserPrincipal owner = base.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName(account);
                Files.setOwner(base, owner);
                runAs.addAll(List.of(findOnPath("runuser").orElseThrow().toString(), "-u", account, "--"));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare a PostgreSQL directory", e);
        }
        try {
            new PostgresCluster(bin, base, runAs, 0).initdb();
        } catch (RuntimeException e) {
            TestFiles.deleteTree(base);
            throw e;
        }
        IllegalStateException last = null;
        for (int attempt = 0; attempt < 3; attempt++) {
            PostgresCluster cluster = new PostgresCluster(bin, base, runAs, freePort());
            try {
                cluster.startServer();
                cluster.startReaper();
                return cluster;
            } catch (IllegalStateException e) {
                last = e; // most likely the port was taken meanwhile: try another
            }
        }
        TestFiles.deleteTree(base);
        throw last;
    }

    private void initdb() {
        run(List.of(binDir.resolve("initdb").toString(), "-D", dataDir.toString(), "-U", "postgres", "-A", "trust", "-E", "UTF8",
                "--locale=C", "--no-sync"), 120);
    }

    private void startServer() {
        String options = "-p " + port + " -c listen_addresses=127.0.0.1 -k " + baseDir + " -c max_connections=300";
        run(List.of(binDir.resolve("pg_ctl").toString(), "-D", dataDir.toString(), "-l", baseDir.resolve("server.log").toString(),
                "-o", options, "-w", "-t", "60", "start"), 90);
    }

    /**
     * A small shell loop that stops the server and deletes its directory once this JVM is gone, so a
     * test JVM killed by a timeout leaves no PostgreSQL running; it ends by itself after {@link #close()}.
     */
    private void startReaper() {
        String stop = String.join(" ", runAs) + " " + binDir.resolve("pg_ctl") + " -D " + dataDir + " -m immediate stop";
        String script = "while kill -0 " + ProcessHandle.current().pid() + " 2>/dev/null && [ -d " + dataDir + " ]; do sleep 2; done; "
                + "if [ -d " + dataDir + " ]; then " + stop + "; rm -rf " + baseDir + "; fi";
        try {
            new ProcessBuilder("sh", "-c", script).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .redirectError(ProcessBuilder.Redirect.DISCARD).start().getOutputStream().close();
        } catch (IOException e) {
            // without a reaper, a killed JVM leaves the server to be stopped by hand; not worth failing tests for
        }
    }

    /** Runs a PostgreSQL tool (as the unprivileged account when needed); fails with its output. */
    private void run(List<String> command, int timeoutSeconds) {
        List<String> full = new ArrayList<>(runAs);
        full.addAll(command);
        try {
            Process p = new ProcessBuilder(full).directory(baseDir.toFile()).redirectErrorStream(true).start();
            p.getOutputStream().close();
            // Read the output in the background: pg_ctl's children may keep the pipe open after it exits.
            StringBuilder output = new StringBuilder();
            Thread reader = new Thread(() -> {
                try {
                    output.append(new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
                } catch (IOException e) {
                    // the process is gone
                }
            });
            reader.setDaemon(true);
            reader.start();
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException(String.join(" ", command) + " did not finish within " + timeoutSeconds + " s");
            }
            reader.join(200);
            if (p.exitValue() != 0) {
                String log = "";
                Path serverLog = baseDir.resolve("server.log");
                if (Files.exists(serverLog)) {
                    log = "\nserver.log:\n" + Files.readString(serverLog);
                }
                throw new IllegalStateException(String.join(" ", full) + " failed (exit " + p.exitValue() + "):\n" + output + log);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    public int port() {
        return port;
    }

    public String user() {
        return "postgres";
    }

    public String password() {
        return "";
    }

    public String jdbcUrl(String database) {
        return "jdbc:postgresql://127.0.0.1:" + port + "/" + database;
    }

    /** Creates a new, empty database and returns its JDBC URL. */
    public String createDatabase() {
        String name = "test_" + ProcessHandle.current().pid() + "_" + DATABASES.incrementAndGet();
        try (Connection c = DriverManager.getConnection(jdbcUrl("postgres"), user(), password());
             Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE " + name);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot create database " + name + ": " + e.getMessage(), e);
        }
        return jdbcUrl(name);
    }

    /** Drops a database made by {@link #createDatabase()} (each takes several MB); closes its other connections first. */
    public void dropDatabase(String jdbcUrl) {
        String name = jdbcUrl.substring(jdbcUrl.lastIndexOf('/') + 1);
        if (!name.matches("test_[0-9_]+")) {
            throw new IllegalArgumentException("not a database of this cluster: " + jdbcUrl);
        }
        try (Connection c = DriverManager.getConnection(jdbcUrl("postgres"), user(), password());
             Statement s = c.createStatement()) {
            s.execute("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
        } catch (SQLException e) {
            throw new IllegalStateException("cannot drop database " + name + ": " + e.getMessage(), e);
        }
    }

    /**
     * Stops the server at once, keeping its data (pg_ctl's immediate mode: every session is cut, as when
     * the database host fails), so a test can watch its clients cope; {@link #restart()} brings it back.
     */
    public synchronized void stopServer() {
        run(List.of(binDir.resolve("pg_ctl").toString(), "-D", dataDir.toString(), "-m", "immediate", "-w", "stop"), 60);
    }

    /** Starts the server again after {@link #stopServer()}, on the same port, with the same data. */
    public synchronized void restart() {
        startServer();
    }

    /** Stops the server (fast shutdown) and deletes its directory. */
    @Override
    public synchronized void close() {
        if (stopped) {
            return;
        }
        stopped = true;
        try {
            run(List.of(binDir.resolve("pg_ctl").toString(), "-D", dataDir.toString(), "-m", "fast", "-w", "stop"), 60);
        } catch (RuntimeException e) {
            // already gone, or it will die with its directory
        } finally {
            TestFiles.deleteTree(baseDir);
        }
    }

    // ---- finding things on this machine

    static Optional<Path> findBinDir() {
        Path debian = Path.of("/usr/lib/postgresql");
        if (Files.isDirectory(debian)) {
            List<Path> versions = new ArrayList<>();
            try (DirectoryStream<Path> dirs = Files.newDirectoryStream(debian)) {
                dirs.forEach(versions::add);
            } catch (IOException e) {
                // fall through to the PATH
            }
            versions.sort(Comparator.comparingInt(PostgresCluster::versionNumber).reversed());
            for (Path v : versions) {
                if (hasServerBinaries(v.resolve("bin"))) {
                    return Optional.of(v.resolve("bin"));
                }
            }
        }
        return findOnPath("initdb").map(p -> {
            try {
                return p.toRealPath().getParent();
            } catch (IOException e) {
                return p.getParent();
            }
        }).filter(PostgresCluster::hasServerBinaries);
    }

    private static int versionNumber(Path p) {
        try {
            return Integer.parseInt(p.getFileName().toString().replaceAll("[^0-9].*$", ""));
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private static boolean hasServerBinaries(Path bin) {
        return Files.isExecutable(bin.resolve("initdb")) && Files.isExecutable(bin.resolve("pg_ctl")) && Files.isExecutable(bin.resolve("postgres"));
    }

    static Optional<Path> findOnPath(String name) {
        String path = System.getenv().getOrDefault("PATH", "") + File.pathSeparator + "/usr/sbin:/sbin:/usr/bin:/bin";
        for (String dir : path.split(File.pathSeparator)) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, name))) {
                return Optional.of(Path.of(dir, name));
            }
        }
        return Optional.empty();
    }

    static boolean isRoot() {
        try {
            return ((Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid")) == 0;
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            return "root".equals(System.getProperty("user.name"));
        }
    }

    static boolean accountExists(String name) {
        try {
            return Files.readAllLines(Path.of("/etc/passwd")).stream().anyMatch(l -> l.startsWith(name + ":"));
        } catch (IOException e) {
            return false;
        }
    }

    private static int freePort() {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
