package io.mailserver.mta;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import io.mailserver.config.ServerConfig;
import io.mailserver.store.MailAddress;
import io.mailserver.store.MaildropEntry;
import io.mailserver.store.User;
import io.mailserver.store.jdbc.JdbcMailStore;
import io.mailserver.testkit.TestFiles;

/**
 * docs/design.md, contract 2, "250 means durable": a server in a child JVM is killed with SIGKILL the moment
 * the client has read a 250 for the end of DATA; the store, reopened, holds every acknowledged message
 * byte for byte, and the message another client was still sending is not there at all. Two rounds:
 * the second starts on the store the first one's crash left behind.
 */
class CrashDurabilityTest {

    @Test
    @Timeout(120)
    void killNineRightAfter250LosesNothing() throws Exception {
        Path dir = Files.createTempDirectory("smtp-crash-");
        try {
            ServerConfig config = ServerConfig.fromMap(Map.of("server.data-dir", dir.toString()));
            long aliceId;
            try (JdbcMailStore store = JdbcMailStore.open(config)) {
                store.domains().add("example.test");
                aliceId = store.users().add(MailAddress.parse("alice@example.test"), null, "pw".toCharArray()).id();
            }
            List<String> acknowledged = new ArrayList<>();
            for (int round = 0; round < 2; round++) {
                Process child = startChild(dir);
                try {
                    int port = readPort(child);
                    try (RawSmtp c = RawSmtp.connect(port); RawSmtp unfinished = RawSmtp.connect(port)) {
                        assertTrue(c.reply().startsWith("220 "));
                        c.cmd("EHLO crash.test");
                        for (int i = 0; i <= 10; i++) {
                            if (i == 10) {
                                // a second client is in the middle of DATA when the server dies: its message must not appear
                                unfinished.reply();
                                unfinished.cmd("EHLO other.test");
                                unfinished.cmd("MAIL FROM:<s@far.test>");
                                unfinished.cmd("RCPT TO:<alice@example.test>");
                                assertTrue(unfinished.cmd("DATA").startsWith("354 "));
                                unfinished.write("Subject: never finished\r\n\r\nhalf a message\r\n");
                            }
                            String body = "Subject: round " + round + " message " + i + "\r\n\r\nbody " + i + "\r\n";
                            c.cmd("MAIL FROM:<s@far.test>");
                            c.cmd("RCPT TO:<alice@example.test>");
                            c.cmd("DATA");
                            c.write(body);
                            String reply = c.cmd(".");
                            if (i == 10) {
                                child.destroyForcibly(); // SIGKILL the instant the last 250 has been read
                            }
                            assertTrue(reply.startsWith("250 2.0.0 Ok: queued as "), reply);
                            acknowledged.add(body);
                        }
                    }
                } finally {
                    child.destroyForcibly();
                    child.waitFor(30, TimeUnit.SECONDS);
                }
            }
            try (JdbcMailStore store = JdbcMailStore.open(config)) {
                User alice = store.users().findById(aliceId).orElseThrow();
                List<MaildropEntry> entries = store.maildrops().snapshot(alice.id());
                assertEquals(acknowledged.size(), entries.size());
                for (int i = 0; i < entries.size(); i++) {
                    String stored;
                    try (InputStream in = store.maildrops().open(alice.id(), entries.get(i).uid())) {
                        stored = new String(in.readAllBytes(), StandardCharsets.UTF_8);
                    }
                    assertTrue(stored.endsWith(acknowledged.get(i)), "message " + i + ": " + stored);
                }
            }
        } finally {
            TestFiles.deleteTree(dir);
        }
    }

    private static Process startChild(Path dir) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        List<String> cmd = List.of(java, "-Xmx128m", "-cp", classpath, ChildSmtpServer.class.getName(), dir.toString());
        return new ProcessBuilder(cmd).redirectErrorStream(true).start();
    }

    /** Reads the port the child announces, and keeps draining its output so its logging never blocks it. */
    private static int readPort(Process child) throws Exception {
        CompletableFuture<Integer> port = new CompletableFuture<>();
        Thread drain = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    if (line.startsWith("PORT ")) {
                        port.complete(Integer.parseInt(line.substring(5).trim()));
                    }
                }
            } catch (java.io.IOException e) {
                // the child was killed
            }
            port.completeExceptionally(new AssertionError("the child server did not start"));
        }, "child-output");
        drain.setDaemon(true);
        drain.start();
        return port.get(60, TimeUnit.SECONDS);
    }
}
