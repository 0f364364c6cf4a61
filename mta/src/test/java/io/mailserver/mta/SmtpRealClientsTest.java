package io.mailserver.mta;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import jakarta.mail.Message;
import jakarta.mail.Session;
import jakarta.mail.Transport;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;

/**
 * Real clients against the server: Jakarta/Angus Mail to a user, an alias and postmaster; curl (smtp://)
 * and swaks. The external tools are installed by .ci/run; where one is missing locally its test is
 * skipped with a message saying so.
 */
@Timeout(60)
class SmtpRealClientsTest {
    static SmtpTestServer server;

    @BeforeAll
    static void start() {
        server = SmtpTestServer.start();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    private static Session session() {
        Properties p = new Properties();
        p.put("mail.smtp.host", "127.0.0.1");
        p.put("mail.smtp.port", String.valueOf(server.port()));
        p.put("mail.smtp.localhost", "angus.client.test");
        p.put("mail.smtp.connectiontimeout", "5000");
        p.put("mail.smtp.timeout", "10000");
        return Session.getInstance(p);
    }

    private static String bodyOf(io.mailserver.store.User user) {
        return new String(server.lastMessage(user), StandardCharsets.UTF_8);
    }

    @Test
    void angusMailToUserAliasAndPostmaster() throws Exception {
        int aliceBefore = server.maildrop(server.alice).size();
        int bobBefore = server.maildrop(server.bob).size();
        Session s = session();
        for (String to : List.of("alice@example.test", "team@example.test", "postmaster@example.test")) {
            MimeMessage m = new MimeMessage(s);
            m.setFrom(new InternetAddress("sender@far.test"));
            m.setRecipient(Message.RecipientType.TO, new InternetAddress(to));
            m.setSubject("hello " + to, "UTF-8");
            m.setText("Grüße from Angus to " + to + "\n.\nline after a lone dot\n", "UTF-8");
            Transport.send(m);
        }
        // alice: direct, via team, and as postmaster (the oldest user of example.test); bob: via team
        assertEquals(aliceBefore + 3, server.maildrop(server.alice).size());
        assertEquals(bobBefore + 1, server.maildrop(server.bob).size());
        String last = bodyOf(server.alice);
        assertTrue(last.startsWith("Return-Path: <sender@far.test>\r\nReceived: from angus.client.test ([127.0.0.1])\r\n"), last);
        assertTrue(last.contains("for <postmaster@example.test>;"), last);
        assertTrue(last.contains("\r\n.\r\nline after a lone dot\r\n"), last);
        assertTrue(server.store().queue().list().stream().anyMatch(q -> q.recipient().equals("carol@remote.test")));
    }

    @Test
    void curlSendsAMessage() throws Exception {
        assumeTrue(onPath("curl"), "curl is not installed here (.ci/run installs it); skipping");
        Path mail = Files.createTempFile("curl", ".eml");
        try {
            Files.writeString(mail, "From: curl@far.test\r\nTo: bob@example.test\r\nSubject: via curl\r\n\r\nsent by curl\r\n");
            int before = server.maildrop(server.bob).size();
            Result r = run(List.of("curl", "-sS", "--max-time", "20", "smtp://127.0.0.1:" + server.port() + "/curl.client.test",
                    "--mail-from", "curl@far.test", "--mail-rcpt", "bob@example.test", "--upload-file", mail.toString()));
            assertEquals(0, r.exit, r.output);
            assertEquals(before + 1, server.maildrop(server.bob).size());
            String stored = bodyOf(server.bob);
            assertTrue(stored.contains("Received: from curl.client.test ([127.0.0.1])"), stored);
            assertTrue(stored.endsWith("Subject: via curl\r\n\r\nsent by curl\r\n"), stored);
        } finally {
            Files.deleteIfExists(mail);
        }
    }

    @Test
    void swaksSendsAMessage() throws Exception {
        assumeTrue(onPath("swaks"), "swaks is not installed here (.ci/run installs it); skipping");
        int before = server.maildrop(server.alice).size();
        Result r = run(List.of("swaks", "--server", "127.0.0.1", "--port", String.valueOf(server.port()), "--helo", "swaks.client.test",
                "--from", "swaks@far.test", "--to", "alice@example.test", "--header", "Subject: via swaks", "--body", "sent by swaks",
                "--pipeline", "--timeout", "20"));
        assertEquals(0, r.exit, r.output);
        assertTrue(r.output.contains("<-  250 2.0.0 Ok: queued as "), r.output);
        assertEquals(before + 1, server.maildrop(server.alice).size());
        String stored = bodyOf(server.alice);
        assertTrue(stored.contains("Received: from swaks.client.test ([127.0.0.1])"), stored);
        assertTrue(stored.contains("Subject: via swaks\r\n"), stored);
        assertTrue(stored.contains("sent by swaks"), stored);
    }

    record Result(int exit, String output) {
    }

    static Result run(List<String> command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(new ArrayList<>(command)).redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            return new Result(-1, "timed out");
        }
        return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
    }

    static boolean onPath(String tool) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
            if (Files.isExecutable(Path.of(dir, tool))) {
                return true;
            }
        }
        return false;
    }
}
