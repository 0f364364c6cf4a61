package io.mailserver.server.reliability;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
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
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.mailserver.server.Main;

/**
 * The whole server ({@code io.mailserver.server.Main --config FILE}) in a child JVM, on the test
 * classpath (no packaging needed), listening on ephemeral loopback ports that it reads back from the
 * server's own log ("smtp listening on /127.0.0.1:40123"). {@link #kill()} is SIGKILL: no shutdown hook
 * runs, nothing is flushed, exactly like a crash.
 */
final class ChildServer implements AutoCloseable {
    private static final Pattern LISTENING = Pattern.compile("(\\w+) listening on .*:(\\d+)\\s*$");
    private static final int LOG_TAIL = 300;

    private final Process process;
    private final Map<String, CompletableFuture<Integer>> ports = new LinkedHashMap<>();
    private final Deque<String> tail = new ArrayDeque<>();
    private final CompletableFuture<Void> ready = new CompletableFuture<>();

    private ChildServer(Process process, List<String> listeners) {
        this.process = process;
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
        Map<String, String> all = new LinkedHashMap<>();
        all.put("server.data-dir", dataDir.toString());
        all.put("server.hostname", "mx.example.test");
        all.put("smtp.listen", "127.0.0.1:0");
        all.put("pop3.listen", "127.0.0.1:0");
        all.put("submission.listen", "");
        all.put("smtps.listen", "");
        all.put("pop3s.listen", "");
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
            List<String> cmd = new ArrayList<>(List.of(java, "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                    "-cp", classpath, Main.class.getName(), "--config", file.toString()));
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            p.getOutputStream().close();
            ChildServer child = new ChildServer(p, List.of("smtp", "pop3"));
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

    private void drain() {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
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
        } catch (IOException e) {
            // the child is gone
        }
        ports.values().forEach(f -> f.completeExceptionally(new IllegalStateException("the server exited before listening:\n" + log())));
        ready.complete(null);
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
