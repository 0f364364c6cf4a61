package io.mailserver.server.reliability;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.mailserver.server.Main;

/**
 * The whole server ({@code io.mailserver.server.Main --config FILE}) in a child JVM, on the test
 * classpath (no packaging needed), listening on ephemeral loopback ports that it reads back from the
 * server's own log ("smtp listening on /127.0.0.1:40123"). The child writes its output to a file in the data
 * directory, which is read as it grows: a pipe read by this JVM would make the child's logging wait whenever
 * this JVM is short of CPU (as under {@link FloodTest}'s hundreds of client threads), and its handler threads
 * with it. {@link #kill()} is SIGKILL: no shutdown hook
 * runs, nothing is flushed, exactly like a crash. The JVM runs with the options {@code bin/mailserver} gives it
 * ({@link #serverJvmOptions}), so a child collects, sizes its heap and dies of an OutOfMemoryError as the real
 * server does.
 */
final class ChildServer implements AutoCloseable {
    private static final Pattern LISTENING = Pattern.compile("(\\w+) listening on .*:(\\d+)\\s*$");
    /** {@code jvm_always="..."} and {@code jvm_defaults="..."} in bin/mailserver. */
    private static final Pattern SCRIPT_JVM_OPTIONS = Pattern.compile("^jvm_(always|defaults)=\"([^\"]*)\"\\s*$");
    private static final int LOG_TAIL = 300;

    private static final AtomicInteger STARTS = new AtomicInteger();

    private final Process process;
    private final Path output;
    private final Map<String, CompletableFuture<Integer>> ports = new LinkedHashMap<>();
    private final Deque<String> tail = new ArrayDeque<>();
    private final CompletableFuture<Void> ready = new CompletableFuture<>();

    private ChildServer(Process process, Path output, List<String> listeners) {
        this.process = process;
        this.output = output;
        for (String name : listeners) {
            ports.put(name, new CompletableFuture<>());
        }
        Thread drain = new Thread(this::drain, "child-server-output");
        drain.setDaemon(true);
        drain.start();
    }

    /**
     * Writes {@code settings} as the configuration file a file in the data directory (every listener
     * on 127.0.0.1:0 unless given) and starts the server; returns once SMTP and POP3 listen.
     */
    static ChildServer start(Path dataDir, Map<String, String> settings) {
        return start(dataDir, settings, List.of(), Main.class);
    }

    /**
     * As {@link #start(Path, Map)} with {@code moreJvmOptions} after bin/mailserver's (a later {@code -Xmx} wins)
     * and {@code main} instead of the server's own main class (it must take {@code --config FILE} likewise).
     */
    static ChildServer start(Path dataDir, Map<String, String> settings, List<String> moreJvmOptions, Class<?> main) {
        Map<String, String> all = new LinkedHashMap<>();
        all.put("server.data-dir", dataDir.toString());
        all.put("server.hostname", "mx.example.test");
        all.put("smtp.listen", "127.0.0.1:0");
        all.put("pop3.listen", "127.0.0.1:0");
        all.put("submission.listen", "");
        all.put("smtps.listen", "");
        all.put("pop3s.listen", "");
        all.put("http.listen", "127.0.0.1:0");
        all.put("https.listen", "");
        all.put("smtp.check-sender-domain", "false");
        all.put("tls.allow-plaintext-auth", "true");
        all.putAll(settings);
        StringBuilder conf = new StringBuilder();
        all.forEach((k, v) -> conf.append(k).append(" = ").append(v).append('\n'));
        try {
            Path file = Files.createTempFile(dataDir, "mailserver-", ".conf");
            Files.writeString(file, conf);
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            // surefire may hide the real class path behind a manifest-only jar; it keeps the real one here
            String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
            List<String> cmd = new ArrayList<>();
            cmd.add(java);
            cmd.addAll(serverJvmOptions());
            cmd.addAll(moreJvmOptions);
            cmd.addAll(List.of("-cp", classpath, main.getName(), "--config", file.toString()));
            Path output = dataDir.resolve("server-" + STARTS.incrementAndGet() + ".out");
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(output.toFile()).start();
            p.getOutputStream().close();
            ChildServer child = new ChildServer(p, output, List.of("smtp", "pop3"));
            try {
                child.smtpPort();
                child.pop3Port();
            } catch (RuntimeException | Error e) {
                child.kill();
                throw e;
            }
            return child;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The JVM options bin/mailserver starts the server with: its {@code jvm_always} and {@code jvm_defaults}. */
    static List<String> serverJvmOptions() {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null && !Files.isRegularFile(dir.resolve("bin/mailserver"))) {
            dir = dir.getParent();
        }
        if (dir == null) {
            throw new IllegalStateException("bin/mailserver not found above " + Path.of("").toAbsolutePath());
        }
        List<String> options = new ArrayList<>();
        int found = 0;
        try {
            for (String line : Files.readAllLines(dir.resolve("bin/mailserver"))) {
                Matcher m = SCRIPT_JVM_OPTIONS.matcher(line);
                if (m.matches()) {
                    found++;
                    if (!m.group(2).isBlank()) {
                        options.addAll(List.of(m.group(2).trim().split("\\s+")));
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (found != 2) {
            throw new IllegalStateException("bin/mailserver no longer has one jvm_always=\"...\" and one jvm_defaults=\"...\" line");
        }
        return options;
    }

    /** Follows the output file line by line until the process has ended and everything it wrote is read. */
    private void drain() {
        try (InputStream in = Files.newInputStream(output)) {
            ByteArrayOutputStream line = new ByteArrayOutputStream();
            byte[] buffer = new byte[8192];
            boolean ended = false;
            while (true) {
                int n = in.read(buffer);
                if (n < 0) {
                    if (ended) {
                        break;
                    }
                    ended = !process.isAlive(); // one more read after the end: whatever it wrote last is in the file
                    Thread.sleep(20);
                    continue;
                }
                for (int i = 0; i < n; i++) {
                    if (buffer[i] == '\n') {
                        accept(line.toString(StandardCharsets.UTF_8));
                        line.reset();
                    } else {
                        line.write(buffer[i]);
                    }
                }
            }
            if (line.size() > 0) {
                accept(line.toString(StandardCharsets.UTF_8));
            }
        } catch (IOException e) {
            // the data directory is gone
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        ports.values().forEach(f -> f.completeExceptionally(new IllegalStateException("the server exited before listening:\n" + log())));
        ready.complete(null);
    }

    private void accept(String line) {
        synchronized (tail) {
            tail.addLast(line);
            if (tail.size() > LOG_TAIL) {
                tail.removeFirst();
            }
        }
        Matcher m = LISTENING.matcher(line);
        if (m.find() && ports.containsKey(m.group(1))) {
            ports.get(m.group(1)).complete(Integer.parseInt(m.group(2)));
        }
    }

    int smtpPort() {
        return port("smtp");
    }

    int pop3Port() {
        return port("pop3");
    }

    private int port(String name) {
        try {
            return ports.get(name).get(90, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            throw new IllegalStateException(name + " did not start listening within 90 s:\n" + log());
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause().getMessage(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** The last lines the server logged (for failure messages). */
    String log() {
        synchronized (tail) {
            return String.join("\n", tail);
        }
    }

    /** kill -9: the process ends at once, with no shutdown hook and nothing flushed. */
    void kill() {
        process.destroyForcibly();
        waitForExit();
    }

    boolean isAlive() {
        return process.isAlive();
    }

    long pid() {
        return process.pid();
    }

    /** Waits for the process to end by itself; its exit status. */
    int waitFor(long seconds) throws InterruptedException {
        if (!process.waitFor(seconds, TimeUnit.SECONDS)) {
            throw new IllegalStateException("the server process did not exit within " + seconds + " s:\n" + log());
        }
        waitForExit();
        return process.exitValue();
    }

    private void waitForExit() {
        try {
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                throw new IllegalStateException("the server process did not exit");
            }
            ready.get(10, TimeUnit.SECONDS); // its output fully read
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            // output reader stuck: not worth failing over
        }
    }

    /** SIGTERM, the normal stop (a clean shutdown); SIGKILL if it takes longer than 20 s. */
    @Override
    public void close() {
        if (!process.isAlive()) {
            return;
        }
        process.destroy();
        try {
            if (!process.waitFor(20, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
        waitForExit();
    }
}
