package io.mailserver.relay;

import static io.mailserver.relay.testing.Queueing.await;
import static io.mailserver.relay.testing.Queueing.enqueue;
import static io.mailserver.relay.testing.Queueing.message;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mailserver.config.ServerConfig;
import io.mailserver.relay.client.SmtpTimeouts;
import io.mailserver.relay.testing.PeerSmtpServer;
import io.mailserver.mailauth.dns.StaticDns;
import io.mailserver.store.PasswordHasher;
import io.mailserver.store.QueueEntry;
import io.mailserver.store.jdbc.JdbcMailStore;
import io.mailserver.testkit.TestFiles;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A runner JVM is killed (SIGKILL) while the remote server holds some of its transactions
 * unanswered. A new runner then delivers every recipient; only those whose final "." the remote had
 * not answered are sent again (RFC 5321 6.1 accepts that duplicate; losing mail is not accepted).
 */
@Timeout(120)
class KillRecoveryTest {
    private static final int MESSAGES = 20;
    private static final int ANSWERED_BEFORE_STALL = 5;

    @Test
    void killedRunnerLosesNothing() throws Exception {
        Path dir = Files.createTempDirectory("kill-runner-");
        Map<String, AtomicInteger> accepted = new ConcurrentHashMap<>();
        Set<String> unanswered = ConcurrentHashMap.newKeySet();
        AtomicInteger answered = new AtomicInteger();
        try (PeerSmtpServer sink = new PeerSmtpServer()) {
            sink.dataReply = m -> {
                if (answered.incrementAndGet() > ANSWERED_BEFORE_STALL) {
                    unanswered.addAll(m.recipients());
                    return PeerSmtpServer.STALL;
                }
                m.recipients().forEach(r -> accepted.computeIfAbsent(r, k -> new AtomicInteger()).incrementAndGet());
                return "250 2.0.0 Ok";
            };
            try (JdbcMailStore store = open(dir)) {
                for (int i = 0; i < MESSAGES; i++) {
                    enqueue(store, "", "K" + i, message("kill " + i), "r" + i + "@remote.test");
                }
            }
            Process child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
                    System.getProperty("java.class.path"), RunnerChild.class.getName(), dir.toString(), String.valueOf(sink.port()))
                    .redirectError(ProcessBuilder.Redirect.DISCARD).start();
            try {
                BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
                String line;
                while ((line = out.readLine()) != null && !line.equals("READY")) {
                    // the child's log lines
                }
                assertEquals("READY", line);
                Thread drain = new Thread(() -> {
                    try {
                        out.transferTo(java.io.Writer.nullWriter());
                    } catch (java.io.IOException ignored) {
                        // the child is gone
                    }
                });
                drain.setDaemon(true);
                drain.start();
                // 5 answered, then 4 transactions (relay.concurrency 4) hang after their final "."
                await(Duration.ofSeconds(30), "stalled transactions", () -> sink.dataEnds.get() >= ANSWERED_BEFORE_STALL + 4);
                Thread.sleep(300); // the answered ones are recorded by now
                child.toHandle().destroyForcibly(); // SIGKILL
                child.waitFor();
            } finally {
                child.destroyForcibly();
            }
            Set<String> unansweredAtKill = new HashSet<>(unanswered);
            sink.releaseStalls();
            sink.dataReply = m -> {
                m.recipients().forEach(r -> accepted.computeIfAbsent(r, k -> new AtomicInteger()).incrementAndGet());
                return "250 2.0.0 Ok";
            };
            try (JdbcMailStore store = open(dir)) {
                ServerConfig config = ServerConfig.fromMap(Map.of("server.hostname", "parent.test", "relay.routes", "remote.test -> [127.0.0.1]:" + sink.port(),
                        "relay.poll-interval", "100ms", "relay.lease", "2s"));
                OutboundService service = OutboundService.start(config, store, OutboundService.Options.defaults().withDns(new StaticDns())
                        .withRunnerId("parent").withTimeouts(SmtpTimeouts.uniform(Duration.ofSeconds(2), Duration.ofSeconds(10))));
                try {
                    await(Duration.ofSeconds(60), "every recipient delivered",
                            () -> store.queue().list().stream().allMatch(r -> r.state() == QueueEntry.State.DELIVERED));
                } finally {
                    service.stop(Duration.ofSeconds(2));
                }
            }
            assertEquals(4, unansweredAtKill.size());
            assertEquals(MESSAGES, accepted.size(), "every recipient reached the sink");
            accepted.forEach((r, n) -> assertEquals(1, n.get(), r + " accepted " + n.get() + " times"));
            // on the wire: the stalled ones twice (their first "." was never answered), every other one once
            assertEquals(MESSAGES + unansweredAtKill.size(), sink.dataEnds.get());
            assertTrue(unansweredAtKill.stream().allMatch(accepted::containsKey));
        } finally {
            TestFiles.deleteTree(dir);
        }
    }

    private static JdbcMailStore open(Path dir) {
        return JdbcMailStore.open(JdbcMailStore.defaultUrl(dir), "mail", "", 8, dir, new PasswordHasher(1_000));
    }
}
