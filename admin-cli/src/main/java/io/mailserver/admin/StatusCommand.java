package io.mailserver.admin;

import io.mailserver.config.HostPort;
import io.mailserver.config.ServerConfig;
import io.mailserver.store.QueueEntry;
import io.mailserver.store.StoreException;
import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code mailctl status}: one screen of what a postmaster checks first. Each configured listener is probed with
 * a TCP connection (closed at once), the web listener is asked for {@code /health/ready}, the store is opened
 * and the queue summarised, and the last warnings and errors of the log file are shown when there is one.
 */
@Command(name = "status", description = {
        "Show whether the server is up: each listener, the store, the outbound queue and the last log warnings.",
        "Exit code 0 when every configured listener answers and the store is reachable, 6 otherwise."})
public final class StatusCommand extends EntityCommand {
    static final Duration PROBE_TIMEOUT = Duration.ofSeconds(2);
    static final int LOG_LINES = 5;

    @Option(names = "--json", description = "One line of JSON: {hostname, listeners: [{name, address, up}], web, store, queue, recentProblems}.")
    boolean json;

    record ListenerStatus(String name, String address, boolean up) {}

    @Override
    public void run() {
        ServerConfig config = context().config();
        List<ListenerStatus> listeners = new ArrayList<>();
        probe(listeners, "smtp", config.smtpListen());
        probe(listeners, "submission", config.submissionListen());
        probe(listeners, "smtps", config.smtpsListen());
        probe(listeners, "pop3", config.pop3Listen());
        probe(listeners, "pop3s", config.pop3sListen());
        probe(listeners, "http", config.httpListen());
        probe(listeners, "https", config.httpsListen());
        String web = config.httpListen().map(StatusCommand::readiness).orElse("no http listener configured");

        String store;
        boolean storeUp;
        Map<QueueEntry.State, Integer> byState = new EnumMap<>(QueueEntry.State.class);
        Optional<Instant> oldestWaiting = Optional.empty();
        try {
            List<QueueEntry> rows = store().queue().list();
            for (QueueEntry e : rows) {
                byState.merge(e.state(), 1, Integer::sum);
                if (e.state() == QueueEntry.State.QUEUED || e.state() == QueueEntry.State.DEFERRED || e.state() == QueueEntry.State.SENDING) {
                    oldestWaiting = oldestWaiting.isEmpty() || e.createdAt().isBefore(oldestWaiting.get()) ? Optional.of(e.createdAt()) : oldestWaiting;
                }
            }
            store = "reachable (" + store().domains().list().size() + " domains, " + store().users().list(Optional.empty()).size() + " users)";
            storeUp = true;
        } catch (StoreException e) {
            store = "unreachable: " + e.getMessage();
            storeUp = false;
        }
        List<String> problems = recentProblems(config.logFile());
        boolean allUp = storeUp && listeners.stream().allMatch(ListenerStatus::up);

        if (json) {
            Map<String, Object> o = Json.object();
            o.put("hostname", config.hostname());
            List<Object> ls = new ArrayList<>();
            for (ListenerStatus l : listeners) {
                Map<String, Object> m = Json.object();
                m.put("name", l.name());
                m.put("address", l.address());
                m.put("up", l.up());
                ls.add(m);
            }
            o.put("listeners", ls);
            o.put("web", web);
            o.put("store", store);
            Map<String, Object> q = Json.object();
            for (QueueEntry.State s : QueueEntry.State.values()) {
                q.put(s.name().toLowerCase(java.util.Locale.ROOT), byState.getOrDefault(s, 0));
            }
            q.put("oldestWaiting", oldestWaiting.map(Instant::toString).orElse(null));
            o.put("queue", q);
            o.put("recentProblems", problems);
            printJson(o);
        } else {
            List<String[]> pairs = new ArrayList<>();
            pairs.add(new String[] {"Server", config.hostname()});
            for (ListenerStatus l : listeners) {
                pairs.add(new String[] {"Listener " + l.name(), l.address() + (l.up() ? "  up" : "  DOWN")});
            }
            pairs.add(new String[] {"Web", web});
            pairs.add(new String[] {"Store", store});
            if (storeUp) {
                int waiting = byState.getOrDefault(QueueEntry.State.QUEUED, 0) + byState.getOrDefault(QueueEntry.State.DEFERRED, 0)
                        + byState.getOrDefault(QueueEntry.State.SENDING, 0);
                pairs.add(new String[] {"Queue", waiting + " waiting (" + byState.getOrDefault(QueueEntry.State.QUEUED, 0) + " queued, "
                        + byState.getOrDefault(QueueEntry.State.DEFERRED, 0) + " deferred, " + byState.getOrDefault(QueueEntry.State.SENDING, 0)
                        + " sending)" + oldestWaiting.map(t -> ", oldest " + Formats.instant(t)).orElse("") + "; "
                        + byState.getOrDefault(QueueEntry.State.FAILED, 0) + " failed, " + byState.getOrDefault(QueueEntry.State.DELIVERED, 0)
                        + " delivered (kept until purged)"});
            }
            if (problems.isEmpty()) {
                pairs.add(new String[] {"Recent problems", config.logFile().isPresent() ? "(none in the log)" : "(no log.file configured)"});
            }
            for (int i = 0; i < problems.size(); i++) {
                pairs.add(new String[] {i == 0 ? "Recent problems" : "", problems.get(i)});
            }
            Table.printRecord(out(), pairs);
        }
        if (!allUp) {
            throw new CliException(ExitCode.CHECK_FAILED, "not everything is up" + (storeUp ? "" : ": the store is unreachable"));
        }
    }

    private static void probe(List<ListenerStatus> to, String name, Optional<HostPort> listen) {
        listen.ifPresent(hp -> to.add(new ListenerStatus(name, hp.host() + ":" + hp.port(), answers(reachable(hp)))));
    }

    /** A wildcard listen address is reached on loopback. */
    private static InetSocketAddress reachable(HostPort hp) {
        String host = switch (hp.host()) {
            case "0.0.0.0", "" -> "127.0.0.1";
            case "::", "[::]" -> "::1";
            default -> hp.host();
        };
        return new InetSocketAddress(host, hp.port());
    }

    private static boolean answers(InetSocketAddress address) {
        try (Socket s = new Socket()) {
            s.connect(address, (int) PROBE_TIMEOUT.toMillis());
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static String readiness(HostPort http) {
        InetSocketAddress a = reachable(http);
        String host = a.getHostString().contains(":") ? "[" + a.getHostString() + "]" : a.getHostString();
        try {
            HttpURLConnection c = (HttpURLConnection) URI.create("http://" + host + ":" + a.getPort() + "/health/ready").toURL().openConnection();
            c.setConnectTimeout((int) PROBE_TIMEOUT.toMillis());
            c.setReadTimeout((int) PROBE_TIMEOUT.toMillis());
            int status = c.getResponseCode();
            try (InputStream body = status < 400 ? c.getInputStream() : c.getErrorStream()) {
                String text = body == null ? "" : new String(body.readNBytes(200), StandardCharsets.UTF_8).trim();
                return (status == 200 ? "ready" : "HTTP " + status) + (text.isEmpty() || status == 200 ? "" : ": " + text);
            }
        } catch (IOException e) {
            return "no answer from /health/ready (" + e.getClass().getSimpleName() + ")";
        }
    }

    /** The last WARN and ERROR lines of the log file (today's; the appender rolls daily), oldest first. */
    static List<String> recentProblems(Optional<Path> logFile) {
        if (logFile.isEmpty() || !Files.isReadable(logFile.get())) {
            return List.of();
        }
        Deque<String> last = new ArrayDeque<>();
        try (Stream<String> lines = Files.lines(logFile.get(), StandardCharsets.UTF_8)) {
            lines.filter(l -> l.contains(" WARN ") || l.contains(" ERROR ")).forEach(l -> {
                if (last.size() == LOG_LINES) {
                    last.removeFirst();
                }
                last.addLast(l.length() > 300 ? l.substring(0, 300) + "..." : l);
            });
        } catch (IOException | java.io.UncheckedIOException e) {
            return List.of("(cannot read " + logFile.get() + ": " + e.getMessage() + ")");
        }
        return new ArrayList<>(last);
    }
}
