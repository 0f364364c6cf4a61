package io.mailserver.server.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import io.mailserver.config.ServerConfig;
import io.mailserver.server.MailServer;
import io.mailserver.testkit.TestFiles;

/**
 * Issue 7, "Resource limits", against the whole server: the per-address connection limit refuses the
 * connection one too many with 421 and leaves everyone else alone; a slowloris client is cut off by the
 * command timeout, which counts from the last line or reply, not from the last byte, and is not a
 * deadline on the whole session.
 */
class ResourceLimitsTest {
    private static final String TIMEOUT_REPLY = "421 4.4.2 mx.example.test Error: timeout exceeded\r\n";

    private Path dataDir;
    private MailServer server;

    private void start(Map<String, String> settings) throws IOException {
        dataDir = Files.createTempDirectory("reliability-limits-");
        TestMail.createUsers(dataDir, Map.of(), "alice");
        Map<String, String> keys = new HashMap<>(Map.of("server.data-dir", dataDir.toString(), "server.hostname", "mx.example.test",
                "smtp.listen", "127.0.0.1:0", "pop3.listen", "127.0.0.1:0", "smtp.check-sender-domain", "false",
                "tls.allow-plaintext-auth", "true", "http.listen", "127.0.0.1:0", "https.listen", "127.0.0.1:0"));
        keys.putAll(settings);
        server = MailServer.start(ServerConfig.fromMap(keys));
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
        if (dataDir != null) {
            TestFiles.deleteTree(dataDir);
        }
    }

    /**
     * With the default limit of 20 connections per address and only 127.0.0.1 trusted, a client on
     * 127.0.0.2 gets 20 sessions and a 421 for the 21st (and POP3 likewise its -ERR); meanwhile clients on
     * 127.0.0.3 (untrusted too) and 127.0.0.1 are served; once one of the 20 closes, 127.0.0.2 may connect again.
     */
    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void theConnectionOneTooManyFromAnAddressGets421AndOthersAreServed() throws Exception {
        InetAddress greedy = InetAddress.getByName("127.0.0.2");
        assumeTrue(canBind(greedy), "this system cannot bind 127.0.0.2 (Linux routes all of 127.0.0.0/8 to loopback)");
        start(Map.of("network.trusted", "127.0.0.1/32"));
        int smtp = server.smtp().port();
        List<Wire> held = new ArrayList<>();
        try {
            for (int i = 0; i < 20; i++) {
                Wire w = Wire.connect(greedy, smtp, 15_000);
                held.add(w);
                assertEquals("220 mx.example.test ESMTP ready\r\n", w.smtpReply(), "connection " + (i + 1) + " of 20");
            }
            try (Wire refused = Wire.connect(greedy, smtp, 15_000)) {
                assertEquals("421 4.7.0 mx.example.test Error: too many connections from your address, try again later\r\n",
                        refused.smtpReply());
                assertTrue(refused.closedByServer(), "closed after the 421");
            }
            for (String other : List.of("127.0.0.3", "127.0.0.1")) {
                try (Wire w = Wire.connect(InetAddress.getByName(other), smtp, 15_000)) {
                    assertEquals("220 mx.example.test ESMTP ready\r\n", w.smtpReply(), other + " is not affected");
                    w.smtp("EHLO other.far.test", "250");
                    assertTrue(TestMail.send(w, "from-" + other, "alice").startsWith("250 "), other + " can send");
                }
            }
            for (Wire w : held) {
                assertTrue(w.smtp("NOOP").startsWith("250 "), "the 20 sessions are still served");
            }
            // POP3 has its own count per address
            List<Pop3Wire> pops = new ArrayList<>();
            try {
                for (int i = 0; i < 20; i++) {
                    pops.add(Pop3Wire.connect(greedy, server.pop3().port()));
                }
                try (Wire refused = Wire.connect(greedy, server.pop3().port(), 15_000)) {
                    assertEquals("-ERR [SYS/TEMP] Too many connections from your address\r\n", refused.readLine());
                }
            } finally {
                pops.forEach(Pop3Wire::close);
            }
            held.remove(0).smtp("QUIT", "221 ");
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            String reply;
            do {
                try (Wire again = Wire.connect(greedy, smtp, 15_000)) {
                    reply = again.smtpReply();
                }
            } while (!reply.startsWith("220 ") && System.nanoTime() < deadline);
            assertEquals("220 mx.example.test ESMTP ready\r\n", reply, "the freed slot can be used again");
        } finally {
            held.forEach(Wire::close);
        }
    }

    /**
     * smtp.timeout and smtp.data-timeout at 2 s, five clients at once: one byte per 10 s, and one byte per
     * 0.5 s (four bytes per timeout, never a whole line), are both cut off about 2 s after the greeting; a
     * client sending a NOOP every 0.7 s for 6 s (three timeouts) is not cut off, and is once it falls
     * silent; inside DATA a steady upload of one line per 0.7 s for 6 s is stored, a trickle of bytes
     * without a line end is cut off.
     */
    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void slowlorisIsCutOffByTheTimeoutButSteadyClientsAreNot() throws Exception {
        start(Map.of("smtp.timeout", "2s", "smtp.data-timeout", "2s"));
        int port = server.smtp().port();
        CompletableFuture<Long> oneBytePer10s = CompletableFuture.supplyAsync(() -> trickle(port, false, 10_000));
        CompletableFuture<Long> oneBytePerHalfSecond = CompletableFuture.supplyAsync(() -> trickle(port, false, 500));
        CompletableFuture<Long> trickleInData = CompletableFuture.supplyAsync(() -> trickle(port, true, 500));
        CompletableFuture<Long> steadyCommands = CompletableFuture.supplyAsync(() -> steady(port, false));
        CompletableFuture<Long> steadyData = CompletableFuture.supplyAsync(() -> steady(port, true));

        assertCutOffAfter(oneBytePer10s.get(), 2_000, 4_500, "one byte per 10 s");
        assertCutOffAfter(oneBytePerHalfSecond.get(), 2_000, 4_500, "one byte per 0.5 s (slowloris)");
        // inside DATA the check runs once per timeout period, so the cut comes within two of them
        assertCutOffAfter(trickleInData.get(), 2_000, 6_500, "a trickle inside DATA");
        assertCutOffAfter(steadyCommands.get(), 2_000, 4_500, "silence after steady commands");
        assertTrue(steadyData.get() > 0);
    }

    private static void assertCutOffAfter(long millis, long atLeast, long atMost, String what) {
        assertTrue(millis >= atLeast - 250 && millis <= atMost, what + ": cut off after " + millis + " ms");
    }

    /** Sends one byte every {@code intervalMillis} (never a line end); returns the ms from the last reply to the 421. */
    private static long trickle(int port, boolean inData, long intervalMillis) {
        try (Wire w = Wire.connect(null, port, 30_000)) {
            w.smtpReply();
            if (inData) {
                w.smtp("EHLO trickle.far.test", "250");
                w.smtp("MAIL FROM:<s@far.test>", "250 ");
                w.smtp("RCPT TO:<alice@example.test>", "250 ");
                w.smtp("DATA", "354 ");
            }
            long t0 = System.nanoTime();
            AtomicBoolean stop = new AtomicBoolean();
            Thread writer = new Thread(() -> {
                try {
                    while (!stop.get()) {
                        w.write("X");
                        Thread.sleep(intervalMillis);
                    }
                } catch (IOException | InterruptedException e) {
                    // cut off, or told to stop
                }
            });
            writer.start();
            try {
                String line = w.readLine();
                long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
                assertEquals(TIMEOUT_REPLY, line);
                assertTrue(w.closedByServer());
                return millis;
            } finally {
                stop.set(true);
                writer.interrupt();
            }
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    /**
     * Commands (or DATA lines) every 0.7 s for 6 s, three times the timeout: never cut off. For commands
     * it then falls silent and returns the ms until the 421; for DATA it ends the message and returns 1.
     */
    private static long steady(int port, boolean inData) {
        try (Wire w = Wire.connect(null, port, 30_000)) {
            w.smtpReply();
            w.smtp("EHLO steady.far.test", "250");
            if (inData) {
                w.smtp("MAIL FROM:<s@far.test>", "250 ");
                w.smtp("RCPT TO:<alice@example.test>", "250 ");
                w.smtp("DATA", "354 ");
                w.write("Subject: slow but steady\r\n\r\n");
            }
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(6);
            while (System.nanoTime() < end) {
                Thread.sleep(700);
                if (inData) {
                    w.write("one more line\r\n");
                } else {
                    w.smtp("NOOP", "250 ");
                }
            }
            if (inData) {
                String reply = w.smtp(".");
                assertTrue(reply.startsWith("250 "), "the steady upload is accepted: " + reply);
                return 1;
            }
            long t0 = System.nanoTime();
            assertEquals(TIMEOUT_REPLY, w.readLine());
            return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        } catch (IOException e) {
            throw new AssertionError(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    private static boolean canBind(InetAddress address) {
        try (Socket s = new Socket()) {
            s.bind(new InetSocketAddress(address, 0));
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
