package io.mailserver.pop3;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.LoggerFactory;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;

/** Failed logins are slowed per connection and per address, without holding threads; passwords stay out of logs. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class Pop3LoginSecuritySocketTest {

    private static Pop3Fixture withDelay(Duration first, Duration max, int perAddress) {
        return Pop3Fixture.start(Map.of("limits.auth-failures", String.valueOf(perAddress)),
                s -> s.withAuthFailureDelay(first, max));
    }

    @Test
    void failedLoginsAreDelayedIncreasinglyAndTheThirdCloses() {
        try (Pop3Fixture f = withDelay(Duration.ofMillis(300), Duration.ofSeconds(5), 100)) {
            f.addUser("alice@example.test", "right");
            try (Pop3TestClient c = f.connect()) {
                long[] took = new long[3];
                for (int i = 0; i < 3; i++) {
                    c.cmd("USER alice@example.test");
                    long t0 = System.nanoTime();
                    assertEquals("-ERR [AUTH] Authentication failed", c.cmd("PASS wrong" + i));
                    took[i] = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
                }
                assertTrue(took[0] >= 280, "first failure delayed: " + took[0]);
                assertTrue(took[1] >= 580, "second longer: " + took[1]);
                assertTrue(took[2] >= 1180, "third longer still: " + took[2]);
                assertTrue(c.closedByServer(), "closed after three failures");
            }
        }
    }

    /** RFC 4616 2 ({@code passwd = 1*SAFE}) and RFC 1939 7: no login with an empty password, as in SMTP (SmtpLoginSecurityTest). */
    @Test
    void anEmptyPasswordNeverLogsIn() {
        try (Pop3Fixture f = withDelay(Duration.ZERO, Duration.ZERO, 100)) {
            f.addUser("blank@example.test", "");
            f.addUser("alice@example.test", "right");
            try (Pop3TestClient c = f.connect()) {
                assertEquals("+OK Send your password", c.cmd("USER blank@example.test"));
                assertEquals("-ERR Syntax: PASS <password>", c.cmd("PASS"));
                String empty = Base64.getEncoder().encodeToString("\0blank@example.test\0".getBytes(StandardCharsets.UTF_8));
                assertEquals("-ERR [AUTH] Authentication failed", c.cmd("AUTH PLAIN " + empty));
                String right = Base64.getEncoder().encodeToString("\0alice@example.test\0right".getBytes(StandardCharsets.UTF_8));
                assertTrue(c.cmd("AUTH PLAIN " + right).startsWith("+OK "), "the session is still usable");
            }
        }
    }

    @Test
    void pipelinedCommandsWaitForTheDelayedReply() {
        try (Pop3Fixture f = withDelay(Duration.ofMillis(200), Duration.ofMillis(200), 100)) {
            f.addUser("alice@example.test", "right");
            try (Pop3TestClient c = f.connect()) {
                c.sendRaw("USER alice@example.test\r\nPASS wrong\r\nNOOP\r\nUSER alice@example.test\r\nPASS right\r\nNOOP\r\n");
                assertEquals("+OK Send your password", c.readLine());
                assertEquals("-ERR [AUTH] Authentication failed", c.readLine());
                assertEquals("-ERR Not logged in", c.readLine());
                assertEquals("+OK Send your password", c.readLine());
                assertTrue(c.readLine().startsWith("+OK Logged in"));
                assertEquals("+OK", c.readLine());
            }
        }
    }

    @Test
    void delayedRepliesHoldNoThreads() throws Exception {
        // more waiting connections than handler and worker threads together
        try (Pop3Fixture f = withDelay(Duration.ofSeconds(3), Duration.ofSeconds(3), 1000)) {
            f.addUser("alice@example.test", "right");
            List<Pop3TestClient> waiting = new ArrayList<>();
            try {
                for (int i = 0; i < 40; i++) {
                    Pop3TestClient c = f.connect();
                    c.sendRaw("USER alice@example.test\r\nPASS wrong\r\n");
                    waiting.add(c);
                }
                Thread.sleep(200);
                long t0 = System.nanoTime();
                try (Pop3TestClient ok = f.connect()) {
                    ok.login("alice@example.test", "right");
                    assertTrue(ok.cmd("STAT").startsWith("+OK 0 0"));
                }
                long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
                assertTrue(ms < 2000, "a good login is not stuck behind delayed failures: " + ms + " ms");
                for (Pop3TestClient c : waiting) {
                    assertEquals("+OK Send your password", c.readLine());
                    assertEquals("-ERR [AUTH] Authentication failed", c.readLine());
                }
            } finally {
                waiting.forEach(Pop3TestClient::close);
            }
        }
    }

    @Test
    void anAddressWithTooManyFailuresIsRefusedEvenWithTheRightPassword() {
        try (Pop3Fixture f = withDelay(Duration.ofMillis(10), Duration.ofMillis(10), 3)) {
            f.addUser("alice@example.test", "right");
            for (int i = 0; i < 3; i++) {
                try (Pop3TestClient c = f.connect()) {
                    c.cmd("USER alice@example.test");
                    assertEquals("-ERR [AUTH] Authentication failed", c.cmd("PASS wrong"));
                }
            }
            try (Pop3TestClient c = f.connect()) {
                c.cmd("USER alice@example.test");
                assertEquals("-ERR [AUTH] Too many failed logins; try again later", c.cmd("PASS right"));
                assertTrue(c.closedByServer());
            }
            try (Pop3TestClient c = f.connect()) {
                String ir = Base64.getEncoder().encodeToString("\0alice@example.test\0right".getBytes(StandardCharsets.UTF_8));
                assertEquals("-ERR [AUTH] Too many failed logins; try again later", c.cmd("AUTH PLAIN " + ir));
            }
        }
    }

    @Test
    void passwordsNeverReachTheLog() {
        Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        Logger ours = (Logger) LoggerFactory.getLogger("io.mailserver");
        Level before = ours.getLevel();
        ListAppender<ILoggingEvent> appender = new ListAppender<>();
        appender.start();
        root.addAppender(appender);
        ours.setLevel(Level.TRACE);
        List<String> secrets = List.of(
                Base64.getEncoder().encodeToString("\0alice@example.test\0S3cret-Plain".getBytes(StandardCharsets.UTF_8)),
                Base64.getEncoder().encodeToString("\0alice@example.test\0S3cret-Cont".getBytes(StandardCharsets.UTF_8)));
        try (Pop3Fixture f = withDelay(Duration.ofMillis(10), Duration.ofMillis(10), 100)) {
            f.addUser("alice@example.test", "S3cret-Right");
            try (Pop3TestClient c = f.connect()) {
                c.cmd("USER alice@example.test");
                c.cmd("PASS S3cret-Wrong");
                c.login("alice@example.test", "S3cret-Right");
                c.quit();
            }
            try (Pop3TestClient c = f.connect()) {
                c.cmd("AUTH PLAIN " + secrets.get(0));
                c.cmd("AUTH PLAIN");
                c.cmd(secrets.get(1));
            }
        } finally {
            root.detachAppender(appender);
            ours.setLevel(before);
        }
        assertFalse(appender.list.isEmpty());
        boolean sawLoginLine = false;
        for (ILoggingEvent e : appender.list) {
            String all = e.getFormattedMessage() + e.getMDCPropertyMap() + (e.getThrowableProxy() == null ? "" : e.getThrowableProxy().getMessage());
            assertFalse(all.contains("S3cret") || all.contains(secrets.get(0)) || all.contains(secrets.get(1)), "password in log: " + all);
            sawLoginLine |= all.contains("pop3 login failed: user=alice@example.test");
        }
        assertTrue(sawLoginLine, "failed logins are logged, with the user name only");
    }

    /**
     * 20 connections from one address guess at once. The limit is counted before the password check, so only
     * {@code limits.auth-failures} (5) of them get a check ("Authentication failed"); the rest are refused unchecked.
     * Counted after the check, all 20 would pass the limit before the first failure was recorded. The production
     * password hasher makes the check as slow as it really is, which is what leaves room for the race.
     */
    @Test
    void parallelGuessesFromOneAddressGetNoMoreChecksThanTheLimit() throws Exception {
        int connections = 20;
        try (Pop3Fixture f = Pop3Fixture.start(Map.of("limits.auth-failures", "5", "test.real-hashing", "true"),
                s -> s.withAuthFailureDelay(Duration.ofMillis(10), Duration.ofMillis(10)))) {
            f.addUser("alice@example.test", "right");
            List<Pop3TestClient> clients = new ArrayList<>();
            ExecutorService pool = Executors.newFixedThreadPool(connections);
            try {
                for (int i = 0; i < connections; i++) {
                    Pop3TestClient c = f.connect();
                    clients.add(c);
                    assertEquals("+OK Send your password", c.cmd("USER alice@example.test"));
                }
                CyclicBarrier together = new CyclicBarrier(connections);
                List<Future<String>> replies = new ArrayList<>();
                for (Pop3TestClient c : clients) {
                    replies.add(pool.submit(() -> {
                        together.await();
                        return c.cmd("PASS wrong");
                    }));
                }
                int checked = 0;
                int refused = 0;
                for (Future<String> r : replies) {
                    String reply = r.get();
                    if (reply.equals("-ERR [AUTH] Authentication failed")) {
                        checked++;
                    } else if (reply.equals("-ERR [AUTH] Too many failed logins; try again later")) {
                        refused++;
                    } else {
                        throw new AssertionError("unexpected reply: " + reply);
                    }
                }
                assertEquals(5, checked, "password checks; refused unchecked: " + refused);
                assertEquals(connections - 5, refused);
            } finally {
                pool.shutdownNow();
                clients.forEach(Pop3TestClient::close);
            }
            try (Pop3TestClient c = f.connect()) {
                c.cmd("USER alice@example.test");
                assertEquals("-ERR [AUTH] Too many failed logins; try again later", c.cmd("PASS right"), "the address is used up");
            }
        }
    }

    /**
     * A user name with characters that end or reorder a log line reaches the log escaped, through USER (which refuses
     * spaces and C0 controls itself) and through AUTH PLAIN (which carries anything).
     */
    @Test
    void lineBreakingCharactersInAUserNameAreEscapedInTheLog() {
        ListAppender<ILoggingEvent> appender = new ListAppender<>();
        appender.start();
        Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        root.addAppender(appender);
        String forged = "x\u2028pop3_login:user=admin\u0085\u202e\u0090\u2029y";
        String escaped = "x\\u2028pop3_login:user=admin\\x85\\u202e\\x90\\u2029y";
        try (Pop3Fixture f = withDelay(Duration.ofMillis(10), Duration.ofMillis(10), 100)) {
            try (Pop3TestClient c = f.connect()) {
                c.sendRaw(("USER " + forged + "\r\n").getBytes(StandardCharsets.UTF_8));
                assertEquals("+OK Send your password", c.readLine());
                assertEquals("-ERR [AUTH] Authentication failed", c.cmd("PASS wrong"));
                String ir = Base64.getEncoder().encodeToString(("\0" + forged + "\r\n\u001b[2J\0wrong").getBytes(StandardCharsets.UTF_8));
                assertEquals("-ERR [AUTH] Authentication failed", c.cmd("AUTH PLAIN " + ir));
            }
        } finally {
            root.detachAppender(appender);
        }
        List<String> failed = appender.list.stream().map(ILoggingEvent::getFormattedMessage).filter(m -> m.startsWith("pop3 login failed"))
                .toList();
        assertEquals(2, failed.size(), "one line for USER/PASS, one for AUTH PLAIN: " + failed);
        assertTrue(failed.get(0).contains("user=" + escaped + " from 127.0.0.1"), failed.get(0));
        assertTrue(failed.get(1).contains("user=" + escaped + "\\x0d\\x0a\\x1b[2J from 127.0.0.1"), failed.get(1));
        for (ILoggingEvent e : appender.list) {
            String m = e.getFormattedMessage();
            assertTrue(m.chars().noneMatch(ch -> (ch < 0x20 && ch != '\t') || (ch >= 0x7f && ch <= 0x9f) || ch == 0x2028 || ch == 0x2029
                    || ch == 0x202e), "raw control or separator in: " + m);
        }
    }

    @Test
    void connectionsOverThePerAddressLimitAreRefusedWithSysTemp() {
        try (Pop3Fixture f = Pop3Fixture.start(Map.of("limits.connections-per-ip", "2", "network.trusted", "192.0.2.0/24"), s -> s)) {
            try (Pop3TestClient a = f.connect(); Pop3TestClient b = f.connect(); Pop3TestClient c = new Pop3TestClient(f.port())) {
                assertTrue(a.greeting.startsWith("+OK"));
                assertTrue(b.greeting.startsWith("+OK"));
                assertEquals("-ERR [SYS/TEMP] Too many connections from your address", c.greeting);
                assertTrue(c.closedByServer());
            }
        }
    }
}
