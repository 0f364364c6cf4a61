package io.mailserver.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import io.mailserver.config.ServerConfig;
import io.mailserver.store.MailAddress;
import jakarta.mail.Folder;
import jakarta.mail.Message;
import jakarta.mail.Session;
import jakarta.mail.Store;
import jakarta.mail.Transport;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;

/**
 * The whole server as {@code bin/mailserver} starts it, with a certificate as certbot leaves it (PEM chain, PKCS#1
 * key): a mail client sends through submission with STARTTLS and through SMTPS, and retrieves through POP3 with
 * STLS and through POP3S; then the certificate files are replaced and the next connections get the new
 * certificate, without a restart.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class MailServerTlsTest {
    @TempDir
    Path dir;

    private static void openssl(Path key, Path chain) throws Exception {
        Process p = new ProcessBuilder("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key.toString(),
                "-out", chain.toString(), "-days", "30", "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost")
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0, out);
        // certbot's privkey.pem may be PKCS#1 or PKCS#8; make it PKCS#1 to cover the older form
        Process rsa = new ProcessBuilder("openssl", "rsa", "-in", key.toString(), "-out", key.toString(), "-traditional")
                .redirectErrorStream(true).start();
        rsa.getInputStream().readAllBytes();
        assertTrue(rsa.waitFor(60, TimeUnit.SECONDS) && rsa.exitValue() == 0);
    }

    private static SSLContext trusting(Path... certificates) throws Exception {
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        int n = 0;
        for (Path c : certificates) {
            try (InputStream in = Files.newInputStream(c)) {
                trust.setCertificateEntry("c" + n++, CertificateFactory.getInstance("X.509").generateCertificate(in));
            }
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, tmf.getTrustManagers(), null);
        return context;
    }

    private static String fingerprint(X509Certificate c) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(c.getEncoded()));
    }

    private static String fingerprint(Path pem) throws Exception {
        try (InputStream in = Files.newInputStream(pem)) {
            return fingerprint((X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in));
        }
    }

    /** The certificate an implicit-TLS port presents to a new connection (a fresh context: no session to resume). */
    private static String served(SSLContext context, int port) throws Exception {
        try (SSLSocket s = (SSLSocket) context.getSocketFactory().createSocket("localhost", port)) {
            s.setSoTimeout(10_000);
            s.startHandshake();
            return fingerprint((X509Certificate) s.getSession().getPeerCertificates()[0]);
        }
    }

    private static Properties props(String protocol, int port, SSLContext trust) {
        Properties p = new Properties();
        String prefix = "mail." + protocol + ".";
        p.put(prefix + "host", "localhost");
        p.put(prefix + "port", String.valueOf(port));
        p.put(prefix + "connectiontimeout", "10000");
        p.put(prefix + "timeout", "15000");
        p.put(prefix + "ssl.socketFactory", trust.getSocketFactory());
        p.put(prefix + "ssl.checkserveridentity", "true");
        if (protocol.equals("smtp") || protocol.equals("pop3")) {
            p.put(prefix + "starttls.enable", "true");
            p.put(prefix + "starttls.required", "true");
        }
        if (protocol.startsWith("smtp")) {
            p.put(prefix + "auth", "true");
            p.put(prefix + "localhost", "client.example.test");
        }
        return p;
    }

    @Test
    void mailClientSendsAndRetrievesOverTlsAndTheCertificateIsRenewedWithoutRestart() throws Exception {
        Path chain = dir.resolve("fullchain.pem");
        Path key = dir.resolve("privkey.pem");
        openssl(key, chain);
        ServerConfig config = ServerConfig.fromMap(Map.ofEntries(
                Map.entry("server.data-dir", dir.resolve("data").toString()),
                Map.entry("server.hostname", "localhost"),
                Map.entry("smtp.listen", "127.0.0.1:0"), Map.entry("submission.listen", "127.0.0.1:0"),
                Map.entry("smtps.listen", "127.0.0.1:0"), Map.entry("pop3.listen", "127.0.0.1:0"),
                Map.entry("pop3s.listen", "127.0.0.1:0"), Map.entry("http.listen", "127.0.0.1:0"), Map.entry("https.listen", "127.0.0.1:0"),
                Map.entry("tls.cert-chain", chain.toString()), Map.entry("tls.private-key", key.toString())));
        try (MailServer server = MailServer.start(config)) {
            server.store().domains().add("example.test");
            server.store().users().add(MailAddress.parse("alice@example.test"), "Alice", "alice-pw".toCharArray());
            server.store().users().add(MailAddress.parse("bob@example.test"), "Bob", "bob-pw".toCharArray());
            SSLContext trust = trusting(chain);

            // send: submission with STARTTLS, and SMTPS
            int[] ports = { server.smtp().submissionPort(), server.smtp().smtpsPort() };
            String[] protocols = { "smtp", "smtps" };
            for (int i = 0; i < 2; i++) {
                Session session = Session.getInstance(props(protocols[i], ports[i], trust));
                MimeMessage m = new MimeMessage(session);
                m.setFrom(new InternetAddress("alice@example.test"));
                m.setRecipient(Message.RecipientType.TO, new InternetAddress("bob@example.test"));
                m.setSubject("over " + protocols[i]);
                m.setText("hello Bob\n");
                try (Transport t = session.getTransport(protocols[i])) {
                    t.connect("localhost", ports[i], "alice@example.test", "alice-pw");
                    m.saveChanges();
                    t.sendMessage(m, m.getAllRecipients());
                }
            }

            // retrieve: POP3 with STLS, and POP3S
            for (String protocol : List.of("pop3", "pop3s")) {
                int port = protocol.equals("pop3") ? server.pop3().port() : server.pop3().tlsPort();
                Store store = Session.getInstance(props(protocol, port, trust)).getStore(protocol);
                store.connect("localhost", port, "bob@example.test", "bob-pw");
                try {
                    Folder inbox = store.getFolder("INBOX");
                    inbox.open(Folder.READ_ONLY);
                    assertEquals(2, inbox.getMessageCount(), protocol);
                    assertEquals("over smtp", inbox.getMessage(1).getSubject());
                    assertEquals("over smtps", inbox.getMessage(2).getSubject());
                    String received = String.join("\n", inbox.getMessage(2).getHeader("Received"));
                    assertTrue(received.contains("with ESMTPSA") && received.contains("version=TLSv1.3"), received);
                    inbox.close(false);
                } finally {
                    store.close();
                }
            }

            // renewal: new files written over the old ones; new connections get the new certificate at once
            String before = fingerprint(chain);
            SSLContext any = trusting(chain);
            assertEquals(before, served(any, server.smtp().smtpsPort()));
            assertEquals(before, served(any, server.web().httpsPort()));
            Path newKey = dir.resolve("new-privkey.pem");
            Path newChain = dir.resolve("new-fullchain.pem");
            openssl(newKey, newChain);
            Files.move(newKey, key, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            Files.move(newChain, chain, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            String after = fingerprint(chain);
            assertNotEquals(before, after);
            SSLContext renewed = trusting(chain);
            assertEquals(after, served(renewed, server.smtp().smtpsPort()));
            assertEquals(after, served(renewed, server.pop3().tlsPort()));
            assertEquals(after, served(renewed, server.web().httpsPort()), "HTTPS follows the renewed files too");
        }
    }
}
