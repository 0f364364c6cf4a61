package io.mailserver.relay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mailserver.mailauth.dkim.DkimAlgorithm;
import io.mailserver.mailauth.dkim.DkimKeys;
import io.mailserver.mailauth.dkim.DkimResult;
import io.mailserver.mailauth.dkim.DkimVerifier;
import io.mailserver.mailauth.dns.DnsjavaTxtLookup;
import io.mailserver.mta.RawSmtp;
import io.mailserver.mta.SmtpTestServer;
import io.mailserver.relay.client.SmtpTimeouts;
import io.mailserver.relay.testing.PeerSmtpServer;
import io.mailserver.store.DkimKey;
import io.mailserver.store.MailAddress;
import io.mailserver.testkit.TestTls;
import io.mailserver.testkit.dkim.PythonDkim;
import io.mailserver.testkit.dns.LoopbackDnsServer;
import jakarta.mail.Message;
import jakarta.mail.Session;
import jakarta.mail.Transport;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import java.io.ByteArrayInputStream;
import java.security.KeyPair;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Outbound DKIM signing end to end: a message submitted by alice over 587 (STARTTLS, AUTH) reaches a remote
 * peer with an RSA and an Ed25519 signature that python3-dkim and this server's verifier both pass; the
 * server's own bounces are signed; mail from outside forwarded by an alias leaves exactly as it came.
 * Loopback is an untrusted network here, so only AUTH makes a client the domain's own.
 */
@Timeout(120)
class DkimSigningTest {
    static PeerSmtpServer peer;
    static LoopbackDnsServer dns;
    static SmtpTestServer server;
    static OutboundService outbound;
    static DkimVerifier verifier;

    @BeforeAll
    static void start() throws Exception {
        PythonDkim.requireInstalled();
        peer = new PeerSmtpServer();
        peer.rcptReply = r -> r.contains("nobody@remote.test") ? "550 5.1.1 no such user" : "250 2.1.5 Ok";
        dns = new LoopbackDnsServer();
        server = SmtpTestServer.startSecure(Map.of("server.hostname", "mx.example.test",
                "relay.routes", "remote.test -> [127.0.0.1]:" + peer.port() + ", outside.test -> [127.0.0.1]:" + peer.port(),
                "network.trusted", "192.0.2.0/24", "relay.poll-interval", "200ms"));
        List<DkimKey.New> keys = new ArrayList<>();
        for (DkimAlgorithm a : DkimAlgorithm.values()) {
            KeyPair pair = DkimKeys.generate(a);
            String selector = a == DkimAlgorithm.RSA_SHA256 ? "t1r" : "t1e";
            byte[] publicKey = DkimKeys.publicKeyRecordBytes(a, pair.getPublic());
            keys.add(new DkimKey.New(selector, a.keyType(), pair.getPrivate().getEncoded(), publicKey));
            dns.txt(selector + "._domainkey.example.test", DkimKeys.txtStrings(DkimKeys.keyRecord(a, publicKey)).toArray(String[]::new));
        }
        server.store().dkimKeys().add("example.test", keys);
        server.store().aliases().add(MailAddress.parse("gone@example.test"), List.of(MailAddress.parse("nobody@remote.test")));
        outbound = OutboundService.start(server.config, server.store(), OutboundService.Options.defaults()
                .withTimeouts(SmtpTimeouts.uniform(Duration.ofSeconds(2), Duration.ofSeconds(10))));
        server.service.context().addRemoteQueuedListener(outbound::wakeUp);
        verifier = new DkimVerifier(DnsjavaTxtLookup.forServer("127.0.0.1", dns.address().port(), Duration.ofSeconds(2)), Clock.systemUTC());
    }

    @AfterAll
    static void stop() throws Exception {
        if (outbound != null) {
            outbound.stop(Duration.ofSeconds(2));
        }
        if (server != null) {
            server.close();
        }
        if (peer != null) {
            peer.close();
        }
        if (dns != null) {
            dns.close();
        }
    }

    @Test
    void submittedMailArrivesWithTwoSignaturesThatPythonDkimAndWeVerify() throws Exception {
        submit("alice@example.test", "carol@remote.test", "Lunch", "Are you free tomorrow?\nAlice\n");
        PeerSmtpServer.Received got = awaitMessage(m -> m.recipients().contains("carol@remote.test") && m.text().contains("Subject: Lunch"));
        String text = got.text();
        assertTrue(text.startsWith("DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed;\r\n\td=example.test; s=t1r;"), text);
        assertEquals(2, count(text, "DKIM-Signature:"), text);
        assertTrue(text.contains("DKIM-Signature: v=1; a=ed25519-sha256; c=relaxed/relaxed;\r\n\td=example.test; s=t1e;"), text);
        assertTrue(text.indexOf("Received: from ") > text.lastIndexOf("DKIM-Signature:"), "signatures above our Received field");

        PythonDkim.Run python = PythonDkim.verify(dns.address().port(), got.content());
        assertEquals("0 rsa-sha256 example.test t1r pass\n1 ed25519-sha256 example.test t1e pass\n", python.output());
        assertEquals(0, python.exit());
        for (DkimResult r : verifier.verify(new ByteArrayInputStream(got.content()))) {
            assertEquals(DkimResult.Result.PASS, r.result(), r.toString());
        }
    }

    @Test
    void theServersOwnBounceIsSignedForTheParentDomainOfItsHostName() throws Exception {
        // an outside sender's mail to the alias gone@ goes on to nobody@remote.test, which refuses it: a bounce to the sender
        raw("someone@outside.test", List.of("gone@example.test"), "From: someone@outside.test\r\nSubject: will bounce\r\n\r\nx\r\n", false);
        PeerSmtpServer.Received bounce = awaitMessage(m -> m.sender().isEmpty() && m.recipients().contains("someone@outside.test"));
        assertTrue(bounce.text().contains("From: Mail Delivery System <MAILER-DAEMON@mx.example.test>"), bounce.text());
        List<DkimResult> results = verifier.verify(new ByteArrayInputStream(bounce.content()));
        assertEquals(2, results.size(), bounce.text());
        for (DkimResult r : results) {
            assertEquals(DkimResult.Result.PASS, r.result(), r.toString());
            assertEquals("example.test", r.domain());
        }
        assertEquals(0, PythonDkim.verify(dns.address().port(), bounce.content()).exit());
    }

    @Test
    void mailFromOutsideForwardedByAnAliasLeavesUnchangedAndUnsigned() throws Exception {
        String original = "DKIM-Signature: v=1; a=rsa-sha256; d=outside.test; s=x; h=from; bh=AAAA; b=BBBB\r\n"
                + "From: Someone <someone@outside.test>\r\nTo: team@example.test\r\nSubject: forwarded as is\r\n\r\nBody\r\n";
        raw("someone@outside.test", List.of("team@example.test"), original, false);
        PeerSmtpServer.Received fwd = awaitMessage(m -> m.text().contains("Subject: forwarded as is"));
        String text = fwd.text();
        assertTrue(text.startsWith("Received: from "), text);
        assertTrue(text.endsWith(original), "the original, byte for byte, after our Received field:\n" + text);
        assertEquals(1, count(text, "DKIM-Signature:"));

        // a forged local From: from outside is not vouched for either
        raw("someone@outside.test", List.of("team@example.test"), "From: alice@example.test\r\nSubject: forged\r\n\r\nPay me\r\n", false);
        PeerSmtpServer.Received forged = awaitMessage(m -> m.text().contains("Subject: forged"));
        assertFalse(forged.text().contains("DKIM-Signature:"), forged.text());
    }

    private static void submit(String from, String to, String subject, String body) throws Exception {
        Properties p = new Properties();
        p.put("mail.smtp.host", "127.0.0.1");
        p.put("mail.smtp.port", String.valueOf(server.service.submissionPort()));
        p.put("mail.smtp.auth", "true");
        p.put("mail.smtp.starttls.enable", "true");
        p.put("mail.smtp.starttls.required", "true");
        p.put("mail.smtp.ssl.socketFactory", TestTls.trustOnly(server.tls.chainFile()).getSocketFactory());
        p.put("mail.smtp.ssl.checkserveridentity", "false"); // the certificate names mx.example.test, we dial 127.0.0.1
        p.put("mail.smtp.timeout", "15000");
        Session session = Session.getInstance(p);
        MimeMessage m = new MimeMessage(session);
        m.setFrom(new InternetAddress(from, "Alice Liddell"));
        m.setRecipient(Message.RecipientType.TO, new InternetAddress(to));
        m.setSubject(subject);
        m.setText(body, "UTF-8");
        try (Transport t = session.getTransport("smtp")) {
            t.connect("127.0.0.1", server.service.submissionPort(), "alice@example.test", "pw");
            m.saveChanges();
            t.sendMessage(m, m.getAllRecipients());
        }
    }

    /** An unauthenticated client on the MX port (loopback is untrusted here). */
    private static void raw(String sender, List<String> recipients, String message, boolean expectRefusal) {
        try (RawSmtp c = server.connect()) {
            assertTrue(c.reply().startsWith("220"));
            c.cmd("EHLO outside.test");
            assertTrue(c.cmd("MAIL FROM:<" + sender + ">").startsWith("250"));
            for (String r : recipients) {
                assertTrue(c.cmd("RCPT TO:<" + r + ">").startsWith("250"));
            }
            assertTrue(c.cmd("DATA").startsWith("354"));
            String reply = c.cmd(message + ".");
            assertEquals(!expectRefusal, reply.startsWith("250"), reply);
        }
    }

    private static PeerSmtpServer.Received awaitMessage(Predicate<PeerSmtpServer.Received> which) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (System.nanoTime() < deadline) {
            for (PeerSmtpServer.Received m : peer.messages) {
                if (which.test(m)) {
                    return m;
                }
            }
            Thread.sleep(50);
        }
        throw new AssertionError("no such message reached the peer; it got " + peer.messages.size() + ": " + peer.transcript);
    }

    private static int count(String text, String what) {
        int n = 0;
        for (int i = text.indexOf(what); i >= 0; i = text.indexOf(what, i + 1)) {
            n++;
        }
        return n;
    }
}
