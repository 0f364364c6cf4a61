package io.mailserver.pop3;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import io.mailserver.store.User;
import jakarta.mail.Folder;
import jakarta.mail.Session;
import jakarta.mail.Store;

/**
 * POP3 with STLS (RFC 2595) and POP3S (RFC 8314) over real sockets, with Angus Mail, curl and openssl, all verifying
 * the self-signed certificate the server makes for {@code localhost}.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class Pop3TlsTest {
    private Pop3Fixture f;
    private User alice;
    private byte[] stored;
    private SSLContext trusting;

    @BeforeEach
    void start() throws Exception {
        f = Pop3Fixture.startSecure();
        alice = f.addUser("alice@example.test", "pw");
        stored = f.deliver("From: a@remote.test\r\nSubject: one\r\n\r\nfirst\r\n", alice);
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        try (InputStream in = Files.newInputStream(f.tls.chainFile())) {
            trust.setCertificateEntry("server", (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in));
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        trusting = SSLContext.getInstance("TLS");
        trusting.init(null, tmf.getTrustManagers(), null);
    }

    @AfterEach
    void stop() {
        f.close();
    }

    /** A line client that can switch to TLS. */
    final class Client implements AutoCloseable {
        Socket socket;
        InputStream in;
        OutputStream out;

        Client(int port, boolean implicit) throws IOException {
            socket = new Socket("127.0.0.1", port);
            socket.setSoTimeout(15_000);
            in = socket.getInputStream();
            out = socket.getOutputStream();
            if (implicit) {
                upgrade();
            }
        }

        void upgrade() throws IOException {
            SSLSocket tls = (SSLSocket) trusting.getSocketFactory().createSocket(socket, "localhost", socket.getPort(), true);
            SSLParameters p = tls.getSSLParameters();
            p.setEndpointIdentificationAlgorithm("HTTPS");
            tls.setSSLParameters(p);
            tls.startHandshake();
            socket = tls;
            in = tls.getInputStream();
            out = tls.getOutputStream();
        }

        String line() throws IOException {
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            int c;
            while ((c = in.read()) >= 0) {
                if (c == '\n') {
                    String s = b.toString(StandardCharsets.ISO_8859_1);
                    return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
                }
                b.write(c);
            }
            return b.size() == 0 ? null : b.toString(StandardCharsets.ISO_8859_1);
        }

        void write(String text) throws IOException {
            out.write(text.getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
        }

        String cmd(String command) throws IOException {
            write(command + "\r\n");
            return line();
        }

        /** CAPA's lines, without the +OK and the final dot. */
        List<String> capa() throws IOException {
            assertTrue(cmd("CAPA").startsWith("+OK"));
            List<String> lines = new ArrayList<>();
            for (String l = line(); !".".equals(l); l = line()) {
                lines.add(l);
            }
            return lines;
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }

    @Test
    void stlsThenLogin() throws Exception {
        try (Client c = new Client(f.port(), false)) {
            assertTrue(c.line().startsWith("+OK "));
            List<String> before = c.capa();
            assertTrue(before.contains("STLS"), before.toString());
            assertFalse(before.contains("USER") || before.contains("SASL PLAIN"), before.toString());
            String refused = "-ERR [AUTH] Plaintext authentication disallowed on non-secure connections; use STLS or POP3S on port "
                    + f.pop3.tlsPort();
            assertEquals(refused, c.cmd("USER alice@example.test"));
            assertEquals(refused, c.cmd("PASS pw"));
            assertEquals(refused, c.cmd("AUTH PLAIN " + Base64.getEncoder().encodeToString("\0alice@example.test\0pw".getBytes())));
            assertEquals("+OK Begin TLS negotiation", c.cmd("STLS"));
            c.upgrade();
            List<String> after = c.capa();
            assertTrue(after.contains("USER") && after.contains("SASL PLAIN"), after.toString());
            assertFalse(after.contains("STLS"), after.toString());
            assertEquals("-ERR Command not permitted when TLS active", c.cmd("STLS"));
            assertTrue(c.cmd("USER alice@example.test").startsWith("+OK"));
            assertTrue(c.cmd("PASS pw").startsWith("+OK Logged in"));
            assertEquals("+OK 1 " + stored.length, c.cmd("STAT"));
            assertTrue(c.cmd("QUIT").startsWith("+OK"));
            assertEquals(null, c.line());
        }
    }

    /** Lines pipelined after STLS were sent in plaintext: they must not run once TLS is up. */
    @Test
    void linesPipelinedAfterStlsAreDropped() throws Exception {
        try (Client c = new Client(f.port(), false)) {
            c.line();
            c.write("STLS\r\nUSER alice@example.test\r\n");
            assertEquals("+OK Begin TLS negotiation", c.line());
            c.upgrade();
            // had the USER run, PASS would log in
            String pass = c.cmd("PASS pw");
            assertTrue(pass.startsWith("-ERR"), pass);
            assertEquals("-ERR Not logged in", c.cmd("STAT"));
        }
    }

    @Test
    void pop3sAuthPlain() throws Exception {
        try (Client c = new Client(f.pop3.tlsPort(), true)) {
            assertTrue(c.line().startsWith("+OK "));
            List<String> capa = c.capa();
            assertFalse(capa.contains("STLS"), capa.toString());
            assertTrue(capa.contains("SASL PLAIN"), capa.toString());
            assertTrue(c.cmd("AUTH PLAIN " + Base64.getEncoder().encodeToString("\0alice@example.test\0wrong".getBytes()))
                    .startsWith("-ERR [AUTH] "));
            assertTrue(c.cmd("AUTH PLAIN " + Base64.getEncoder().encodeToString("\0alice@example.test\0pw".getBytes()))
                    .startsWith("+OK Logged in"));
            assertTrue(c.cmd("QUIT").startsWith("+OK"));
        }
    }

    @Test
    void angusMailOverStartTlsAndPop3s() throws Exception {
        for (String protocol : List.of("pop3", "pop3s")) {
            Properties p = new Properties();
            String prefix = "mail." + protocol + ".";
            p.put(prefix + "connectiontimeout", "10000");
            p.put(prefix + "timeout", "10000");
            p.put(prefix + "ssl.socketFactory", trusting.getSocketFactory());
            p.put(prefix + "ssl.checkserveridentity", "true");
            if (protocol.equals("pop3")) {
                p.put(prefix + "starttls.enable", "true");
                p.put(prefix + "starttls.required", "true");
            }
            int port = protocol.equals("pop3") ? f.port() : f.pop3.tlsPort();
            Store store = Session.getInstance(p).getStore(protocol);
            store.connect("localhost", port, "alice@example.test", "pw");
            try {
                Folder inbox = store.getFolder("INBOX");
                inbox.open(Folder.READ_ONLY);
                assertEquals(1, inbox.getMessageCount(), protocol);
                ByteArrayOutputStream raw = new ByteArrayOutputStream();
                try (InputStream in = ((org.eclipse.angus.mail.pop3.POP3Message) inbox.getMessage(1)).getMimeStream()) {
                    in.transferTo(raw);
                }
                assertArrayEquals(stored, raw.toByteArray(), protocol);
                inbox.close(false);
            } finally {
                store.close();
            }
        }
    }

    @Test
    void curlOverStlsAndPop3s() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/curl")), "curl not installed");
        for (String url : List.of("pop3://localhost:" + f.port() + "/1", "pop3s://localhost:" + f.pop3.tlsPort() + "/1")) {
            Process proc = new ProcessBuilder("curl", "-sS", "--max-time", "20", "--ssl-reqd", "--cacert", f.tls.chainFile().toString(),
                    "-u", "alice@example.test:pw", url).start();
            byte[] out = proc.getInputStream().readAllBytes();
            String err = new String(proc.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(proc.waitFor(30, TimeUnit.SECONDS));
            assertEquals(0, proc.exitValue(), url + ": " + err);
            assertArrayEquals(stored, out, url);
        }
        // without TLS, curl cannot log in: the server refuses the password in clear
        Process plain = new ProcessBuilder("curl", "-sS", "--max-time", "20", "-u", "alice@example.test:pw",
                "pop3://127.0.0.1:" + f.port() + "/1").start();
        plain.getInputStream().readAllBytes();
        assertTrue(plain.waitFor(30, TimeUnit.SECONDS));
        assertFalse(plain.exitValue() == 0, "a plaintext login must fail");
    }

    @Test
    void opensslStartTlsPop3() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/openssl")), "openssl not installed");
        Process proc = new ProcessBuilder("openssl", "s_client", "-connect", "127.0.0.1:" + f.port(), "-starttls", "pop3", "-crlf",
                "-ign_eof", "-brief", "-CAfile", f.tls.chainFile().toString(), "-verify_hostname", "localhost", "-verify_return_error")
                .redirectErrorStream(true).start();
        try (OutputStream in = proc.getOutputStream()) {
            in.write("USER alice@example.test\nPASS pw\nSTAT\nQUIT\n".getBytes(StandardCharsets.US_ASCII));
        }
        String out = new String(proc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(proc.waitFor(30, TimeUnit.SECONDS));
        assertEquals(0, proc.exitValue(), out);
        assertTrue(out.contains("Verification: OK"), out);
        assertTrue(out.contains("+OK Logged in"), out);
        assertTrue(out.contains("+OK 1 " + stored.length), out);
        assertFalse(out.toLowerCase().contains("unexpected eof"), out);
    }
}
