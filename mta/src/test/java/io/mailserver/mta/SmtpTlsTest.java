package io.mailserver.mta;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.mailserver.testkit.TestTls;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import jakarta.mail.AuthenticationFailedException;
import jakarta.mail.Message;
import jakarta.mail.MessagingException;
import jakarta.mail.Session;
import jakarta.mail.Transport;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;

/**
 * SMTP with TLS and AUTH over real sockets, with real clients: Angus Mail (STARTTLS on submission, implicit TLS on
 * SMTPS), curl {@code --ssl-reqd}, {@code openssl s_client -starttls smtp}, and a raw client for what clients do
 * not do on purpose (pipelining after STARTTLS). The certificate is the self-signed one the server makes for
 * {@code localhost}; every client here verifies it, by name.
 */
@Timeout(90)
class SmtpTlsTest {
    static SmtpTestServer server;
    static SSLContext trusting;

    @BeforeAll
    static void start() throws Exception {
        server = SmtpTestServer.startSecure(Map.of());
        trusting = TestTls.trustOnly(server.tls.chainFile());
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    /** A client context that trusts exactly the server's certificate. */
    static String b64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

    // ---- a small line client that can switch to TLS

    static final class Client implements AutoCloseable {
        Socket socket;
        InputStream in;
        OutputStream out;

        Client(int port) throws IOException {
            socket = new Socket("127.0.0.1", port);
            socket.setSoTimeout(15_000);
            in = socket.getInputStream();
            out = socket.getOutputStream();
        }

        static Client implicit(int port) throws IOException {
            Client c = new Client(port);
            c.upgrade();
            return c;
        }

        void upgrade() throws IOException {
            SSLSocket tls = (SSLSocket) trusting.getSocketFactory().createSocket(socket, "localhost", socket.getPort(), true);
            javax.net.ssl.SSLParameters p = tls.getSSLParameters();
            p.setEndpointIdentificationAlgorithm("HTTPS"); // check the name, as mail clients do
            tls.setSSLParameters(p);
            tls.startHandshake();
            socket = tls;
            in = tls.getInputStream();
            out = tls.getOutputStream();
        }

        String protocol() {
            return ((SSLSocket) socket).getSession().getProtocol();
        }

        void write(String text) throws IOException {
            out.write(text.getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
        }

        /** A whole reply, CRLFs included; null at end of stream. */
        String reply() throws IOException {
            StringBuilder sb = new StringBuilder();
            ByteArrayOutputStream line = new ByteArrayOutputStream();
            int b;
            while ((b = in.read()) >= 0) {
                line.write(b);
                if (b == '\n') {
                    String l = line.toString(StandardCharsets.ISO_8859_1);
                    sb.append(l);
                    line.reset();
                    if (l.length() < 4 || l.charAt(3) != '-') {
                        return sb.toString();
                    }
                }
            }
            return sb.length() == 0 ? null : sb.toString();
        }

        String cmd(String command) throws IOException {
            write(command + "\r\n");
            return reply();
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }

    // ---- the dialog

    @Test
    void submissionOffersStartTlsThenAuthAndForgetsTheEhlo() throws Exception {
        try (Client c = new Client(server.service.submissionPort())) {
            assertTrue(c.reply().startsWith("220 localhost "));
            String ehlo = c.cmd("EHLO client.test");
            assertTrue(ehlo.contains("250-STARTTLS\r\n"), ehlo);
            assertFalse(ehlo.contains("AUTH"), "no AUTH before TLS: " + ehlo);
            assertEquals("530 5.7.0 Must issue a STARTTLS command first\r\n", c.cmd("AUTH PLAIN " + b64("\0alice@example.test\0pw")));
            assertEquals("530 5.7.0 Authentication required\r\n", c.cmd("MAIL FROM:<alice@example.test>"));
            assertEquals("220 2.0.0 Ready to start TLS\r\n", c.cmd("STARTTLS"));
            c.upgrade();
            assertEquals("TLSv1.3", c.protocol());
            // RFC 3207 4.2: the EHLO before STARTTLS is forgotten
            assertEquals("503 5.5.1 Error: send HELO/EHLO first\r\n", c.cmd("AUTH PLAIN " + b64("\0alice@example.test\0pw")));
            String again = c.cmd("EHLO client.test");
            assertTrue(again.contains("250-AUTH PLAIN LOGIN\r\n"), again);
            assertFalse(again.contains("STARTTLS"), again);
            assertEquals("503 5.5.1 Error: TLS already active\r\n", c.cmd("STARTTLS"));
            assertEquals("235 2.7.0 Authentication successful\r\n", c.cmd("AUTH PLAIN " + b64("\0alice@example.test\0pw")));
            assertEquals("553 5.7.1 Sender address rejected: <bob@example.test> not owned by user alice@example.test\r\n",
                    c.cmd("MAIL FROM:<bob@example.test>"));
            assertEquals("250 2.1.0 Ok\r\n", c.cmd("MAIL FROM:<alice@example.test>"));
            assertEquals("250 2.1.5 Ok\r\n", c.cmd("RCPT TO:<friend@far.test>"), "authenticated users relay");
            assertTrue(c.cmd("RSET").startsWith("250 "));
            assertTrue(c.cmd("QUIT").startsWith("221 "));
            assertEquals(null, c.reply(), "closed after close_notify");
        }
    }

    /** CVE-2011-0411: commands pipelined after STARTTLS are dropped, not run under TLS. */
    @Test
    void commandsPipelinedAfterStartTlsAreDropped() throws Exception {
        try (Client c = new Client(server.service.port())) {
            c.reply();
            c.cmd("EHLO client.test");
            c.write("STARTTLS\r\nEHLO injected.test\r\nMAIL FROM:<evil@far.test>\r\n");
            assertEquals("220 2.0.0 Ready to start TLS\r\n", c.reply());
            c.upgrade();
            // had the EHLO run, MAIL would be accepted; had the MAIL run, this would be a nested MAIL
            assertEquals("503 5.5.1 Error: send HELO/EHLO first\r\n", c.cmd("MAIL FROM:<someone@far.test>"));
            assertTrue(c.cmd("EHLO client.test").startsWith("250-localhost greets client.test\r\n"));
            assertEquals("250 2.1.0 Ok\r\n", c.cmd("MAIL FROM:<someone@far.test>"));
        }
    }

    @Test
    void wrongPasswordIs535AndRepeatedFailuresAreSlowed() throws Exception {
        try (Client c = Client.implicit(server.service.smtpsPort())) {
            assertTrue(c.reply().startsWith("220 "));
            c.cmd("EHLO client.test");
            long t0 = System.nanoTime();
            assertEquals("535 5.7.8 Authentication credentials invalid\r\n", c.cmd("AUTH PLAIN " + b64("\0alice@example.test\0wrong")));
            long first = (System.nanoTime() - t0) / 1_000_000;
            t0 = System.nanoTime();
            assertEquals("334 VXNlcm5hbWU6\r\n", c.cmd("AUTH LOGIN"));
            assertEquals("334 UGFzc3dvcmQ6\r\n", c.cmd(b64("alice@example.test")));
            assertEquals("535 5.7.8 Authentication credentials invalid\r\n", c.cmd(b64("wrong again")));
            long second = (System.nanoTime() - t0) / 1_000_000;
            assertTrue(first >= 900, "first failure answered after " + first + " ms");
            assertTrue(second >= 1900, "second failure answered after " + second + " ms");
            assertEquals("235 2.7.0 Authentication successful\r\n", c.cmd("AUTH PLAIN " + b64("\0alice@example.test\0pw")));
        }
    }

    @Test
    void angusMailSendsWithStartTlsAndWithSmtps() throws Exception {
        int before = server.maildrop(server.bob).size();
        send("smtp", server.service.submissionPort(), "alice@example.test", "bob@example.test", "via STARTTLS");
        send("smtps", server.service.smtpsPort(), "alice@example.test", "bob@example.test", "via SMTPS");
        assertEquals(before + 2, server.maildrop(server.bob).size());
        String stored = new String(server.lastMessage(server.bob), StandardCharsets.UTF_8);
        assertTrue(stored.contains(" with ESMTPSA id "), stored);
        assertTrue(stored.contains("(version=TLSv1.3 cipher=TLS_"), stored);
        assertTrue(stored.contains("Subject: via SMTPS"), stored);

        MessagingException wrong = org.junit.jupiter.api.Assertions.assertThrows(MessagingException.class,
                () -> send("smtps", server.service.smtpsPort(), "alice@example.test", "bob@example.test", "x", "not-the-password"));
        assertTrue(wrong instanceof AuthenticationFailedException, wrong.toString());

        // logged in as alice, sending as bob
        MessagingException spoof = org.junit.jupiter.api.Assertions.assertThrows(MessagingException.class,
                () -> send("smtp", server.service.submissionPort(), "bob@example.test", "alice@example.test", "spoofed", "pw"));
        assertTrue(String.valueOf(spoof.getNextException()).contains("553 5.7.1") || spoof.toString().contains("553 5.7.1"), spoof.toString());
    }

    private static void send(String protocol, int port, String from, String to, String subject) throws MessagingException {
        send(protocol, port, from, to, subject, "pw");
    }

    /** Logs in as alice and sends with {@code from} as envelope sender and From. */
    private static void send(String protocol, int port, String from, String to, String subject, String password) throws MessagingException {
        Properties p = new Properties();
        String prefix = "mail." + protocol + ".";
        p.put(prefix + "host", "localhost");
        p.put(prefix + "port", String.valueOf(port));
        p.put(prefix + "auth", "true");
        p.put(prefix + "localhost", "angus.client.test");
        p.put(prefix + "connectiontimeout", "5000");
        p.put(prefix + "timeout", "15000");
        p.put(prefix + "ssl.socketFactory", trusting.getSocketFactory());
        p.put(prefix + "ssl.checkserveridentity", "true");
        p.put(prefix + "from", from);
        if (protocol.equals("smtp")) {
            p.put(prefix + "starttls.enable", "true");
            p.put(prefix + "starttls.required", "true");
        } else {
            p.put(prefix + "ssl.enable", "true");
        }
        Session session = Session.getInstance(p);
        MimeMessage m = new MimeMessage(session);
        m.setFrom(new InternetAddress(from));
        m.setRecipient(Message.RecipientType.TO, new InternetAddress(to));
        m.setSubject(subject);
        m.setText("sent over " + protocol + "\n");
        try (Transport t = session.getTransport(protocol)) {
            t.connect("localhost", port, "alice@example.test", password);
            m.saveChanges();
            t.sendMessage(m, m.getAllRecipients());
        }
    }

    @Test
    void curlSendsOverStartTlsAndSmtps() throws Exception {
        assumeTrue(SmtpRealClientsTest.onPath("curl"), "curl is not installed here (.ci/run installs it); skipping");
        Path mail = Files.createTempFile("curl", ".eml");
        try {
            Files.writeString(mail, "From: alice@example.test\r\nTo: bob@example.test\r\nSubject: curl tls\r\n\r\nsent by curl\r\n");
            int before = server.maildrop(server.bob).size();
            for (String url : List.of("smtp://localhost:" + server.service.submissionPort(), "smtps://localhost:" + server.service.smtpsPort())) {
                SmtpRealClientsTest.Result r = SmtpRealClientsTest.run(List.of("curl", "-sS", "--max-time", "20", "--ssl-reqd",
                        "--cacert", server.tls.chainFile().toString(), url, "--user", "alice@example.test:pw",
                        "--mail-from", "alice@example.test", "--mail-rcpt", "bob@example.test", "--upload-file", mail.toString()));
                assertEquals(0, r.exit(), url + ": " + r.output());
            }
            assertEquals(before + 2, server.maildrop(server.bob).size());
            // and a wrong password is refused
            SmtpRealClientsTest.Result bad = SmtpRealClientsTest.run(List.of("curl", "-sS", "--max-time", "20", "--ssl-reqd",
                    "--cacert", server.tls.chainFile().toString(), "smtps://localhost:" + server.service.smtpsPort(),
                    "--user", "alice@example.test:nope", "--mail-from", "alice@example.test", "--mail-rcpt", "bob@example.test",
                    "--upload-file", mail.toString()));
            assertEquals(67, bad.exit(), bad.output()); // curl: "Login denied"
        } finally {
            Files.deleteIfExists(mail);
        }
    }

    @Test
    void opensslStartTlsSmtp() throws Exception {
        assumeTrue(SmtpRealClientsTest.onPath("openssl"), "openssl is not installed here; skipping");
        Path input = Files.createTempFile("openssl", ".txt");
        try {
            Files.writeString(input, "EHLO openssl.client.test\nAUTH PLAIN " + b64("\0alice@example.test\0pw") + "\nQUIT\n");
            SmtpRealClientsTest.Result r = SmtpRealClientsTest.run(List.of("sh", "-c", "openssl s_client -connect 127.0.0.1:"
                    + server.service.port() + " -starttls smtp -crlf -ign_eof -brief -CAfile " + server.tls.chainFile()
                    + " -verify_hostname localhost -verify_return_error < " + input));
            assertEquals(0, r.exit(), r.output());
            assertTrue(r.output().contains("Verification: OK"), r.output());
            assertTrue(r.output().contains("250-AUTH PLAIN LOGIN"), r.output());
            assertTrue(r.output().contains("235 2.7.0 Authentication successful"), r.output());
            assertTrue(r.output().contains("221 "), r.output());
            assertFalse(r.output().toLowerCase().contains("unexpected eof"), r.output());
        } finally {
            Files.deleteIfExists(input);
        }
    }
}
