package io.mailserver.testkit;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Runs a Java main class as another, unprivileged OS user ({@code nobody}) through {@code runuser}: a
 * local attacker, or an operator running a tool under the wrong account. Needs root (the tests run as
 * root in CI); callers skip with {@link #unavailableReason()} otherwise.
 *
 * <p>The test's classpath usually lies under {@code /root} (Maven's repository), which {@code nobody}
 * cannot read, so it is copied once per JVM into a world-readable directory under {@code /tmp}.
 */
public final class OtherUserJava {
    public static final String ACCOUNT = "nobody";
    private static String classpathCopy;

    private OtherUserJava() {
    }

    /** What the child printed and how it ended. */
    public record Result(int exit, String stdout, String stderr) {
        @Override
        public String toString() {
            return "exit " + exit + "\n--- stdout\n" + stdout + "--- stderr\n" + stderr;
        }
    }

    /** Why a child cannot be run as another user here, or null when it can. */
    public static String unavailableReason() {
        if (!PostgresCluster.isRoot()) {
            return "not running as root: cannot switch to another OS user to play a local attacker";
        }
        if (PostgresCluster.findOnPath("runuser").isEmpty()) {
            return "runuser (util-linux) is missing";
        }
        if (!PostgresCluster.accountExists(ACCOUNT)) {
            return "there is no '" + ACCOUNT + "' account";
        }
        return null;
    }

    /** Runs {@code mainClass} with {@code args} as {@link #ACCOUNT}, killing it after {@code timeout}. */
    public static Result run(Class<?> mainClass, List<String> args, Duration timeout) {
        List<String> command = new ArrayList<>(List.of(PostgresCluster.findOnPath("runuser").orElseThrow().toString(), "-u", ACCOUNT, "--",
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx128m", "-cp", classpath(), mainClass.getName()));
        command.addAll(args);
        try {
            Process p = new ProcessBuilder(command).directory(Path.of("/tmp").toFile()).start();
            p.getOutputStream().close();
            CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> readAll(p.getInputStream()));
            CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> readAll(p.getErrorStream()));
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                throw new IllegalStateException(mainClass.getSimpleName() + " as " + ACCOUNT + " did not end within " + timeout);
            }
            return new Result(p.exitValue(), out.join(), err.join());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static String readAll(InputStream in) {
        try (in) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(read failed: " + e + ")";
        }
    }

    /** This JVM's classpath, copied where the other user can read it. */
    private static synchronized String classpath() {
        if (classpathCopy != null) {
            return classpathCopy;
        }
        try {
            Path dir = Files.createTempDirectory(Path.of("/tmp"), "other-user-cp-");
            Runtime.getRuntime().addShutdownHook(new Thread(() -> TestFiles.deleteTree(dir), "other-user-cp-delete"));
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
            List<String> parts = new ArrayList<>();
            String[] entries = System.getProperty("java.class.path").split(File.pathSeparator);
            for (int i = 0; i < entries.length; i++) {
                Path from = Path.of(entries[i]);
                if (Files.exists(from)) {
                    // numbered, so that two jars or class directories of the same name stay apart
                    Path to = dir.resolve(i + "-" + from.getFileName());
                    copyReadable(from, to);
                    parts.add(to.toString());
                }
            }
            classpathCopy = String.join(File.pathSeparator, parts);
            return classpathCopy;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot copy the classpath for another user", e);
        }
    }

    private static void copyReadable(Path from, Path to) throws IOException {
        var dirMode = PosixFilePermissions.fromString("rwxr-xr-x");
        var fileMode = PosixFilePermissions.fromString("rw-r--r--");
        if (!Files.isDirectory(from)) {
            Files.copy(from, to);
            Files.setPosixFilePermissions(to, fileMode);
            return;
        }
        Files.walkFileTree(from, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path d, BasicFileAttributes attrs) throws IOException {
                Path target = to.resolve(from.relativize(d).toString());
                Files.createDirectories(target);
                Files.setPosixFilePermissions(target, dirMode);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path f, BasicFileAttributes attrs) throws IOException {
                Path target = to.resolve(from.relativize(f).toString());
                Files.copy(f, target);
                Files.setPosixFilePermissions(target, fileMode);
                return FileVisitResult.CONTINUE;
            }
        });
    }
}
