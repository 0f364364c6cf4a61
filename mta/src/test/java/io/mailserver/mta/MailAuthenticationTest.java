package io.mailserver.mta;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mailserver.mailauth.dkim.DkimAlgorithm;
import io.mailserver.mailauth.dkim.DkimKeys;
import io.mailserver.mailauth.dkim.DkimSigner;
import io.mailserver.mailauth.spf.DnsjavaSpfDns;
import io.mailserver.mta.smtp.check.DkimSignatureVerification;
import io.mailserver.mta.smtp.check.DkimVerification;
import io.mailserver.mta.smtp.check.MailAuthChecks;
import io.mailserver.testkit.dns.LoopbackDnsServer;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * SPF, DMARC, Authentication-Results, DNS blocklists and the reverse name in Received, end to end: a real
 * SMTP client on loopback, the server's checks asking a real DNS server on loopback ({@code dns.resolver}).
 * The client (127.0.0.1) is an ordinary Internet client here: the trusted network is elsewhere.
 */
class MailAuthenticationTest {
    private LoopbackDnsServer dns;
    private SmtpTestServer server;

    @BeforeEach
    void zones() throws Exception {
        dns = new LoopbackDnsServer();
        // a bank with a strict policy that does not send from 127.0.0.1
        dns.txt("bank.example", "v=spf1 ip4:192.0.2.1 -all").txt("_dmarc.bank.example", "v=DMARC1; p=reject; rua=mailto:d@bank.example");
        // an honest sender whose SPF lists 127.0.0.1
        dns.txt("honest.example", "v=spf1 ip4:127.0.0.0/8 -all").txt("_dmarc.honest.example", "v=DMARC1; p=reject");
        // SPF answers SERVFAIL; the DMARC policy is known
        dns.servfail("flaky.example").txt("_dmarc.flaky.example", "v=DMARC1; p=reject");
        dns.servfail("flakynone.example").txt("_dmarc.flakynone.example", "v=DMARC1; p=none");
        // SPF fails; the DMARC policy cannot be fetched
        dns.txt("nopolicy.example", "v=spf1 -all").servfail("_dmarc.nopolicy.example");
        // malformed records
        dns.txt("broken.example", "v=spf1 ip4:999.0.0.1 mx:%{z} -all").txt("_dmarc.broken.example", "v=DMARC1; p=bogus");
        // SPF -all without any DMARC record
        dns.txt("strict-spf.example", "v=spf1 ip4:192.0.2.1 -all");
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
        dns.close();
    }

    /** As {@link #start(Map)}, with the real DKIM verifier looking keys up in the loopback DNS. */
    private void startVerifying() {
        Map<String, String> keys = new HashMap<>();
        keys.put("network.trusted", "10.9.9.0/24");
        keys.put("dns.resolver", "127.0.0.1:" + dns.address().port());
        keys.put("auth.dns-timeout", "2s");
        server = SmtpTestServer.start(keys, config -> MailAuthChecks.from(config, DkimSignatureVerification.from(config)));
    }

    private void start(Map<String, String> extra) {
        Map<String, String> keys = new HashMap<>(extra);
        keys.put("network.trusted", keys.getOrDefault("network.trusted", "10.9.9.0/24"));
        keys.put("dns.resolver", "127.0.0.1:" + dns.address().port());
        keys.put("auth.dns-timeout", "2s");
        server = SmtpTestServer.start(keys, config -> MailAuthChecks.from(config, DkimVerification.NONE));
    }

    /** Sends one message to alice; returns the reply to the end of data. */
    private String send(String mailFrom, String headers) {
        try (RawSmtp c = server.connect()) {
            c.reply();
            c.cmd("EHLO client.test");
            assertTrue(c.cmd("MAIL FROM:<" + mailFrom + ">").startsWith("250"));
            assertTrue(c.cmd("RCPT TO:<alice@example.test>").startsWith("250"));
            assertTrue(c.cmd("DATA").startsWith("354"));
            return c.cmd(headers + "Subject: test\r\n\r\nHello.\r\n.");
        }
    }

    private String stored() {
        return new String(server.lastMessage(server.alice), StandardCharsets.UTF_8);
    }

    @Test
    void aValidDkimSignatureAlignsDmarcWhereSpfFailsAndATamperedOneIsRefused() throws Exception {
        // a newsletter domain that sends through someone else's servers: SPF fails here, DKIM carries DMARC
        KeyPair pair = DkimKeys.generate(DkimAlgorithm.ED25519_SHA256);
        String record = DkimKeys.keyRecord(DkimAlgorithm.ED25519_SHA256,
                DkimKeys.publicKeyRecordBytes(DkimAlgorithm.ED25519_SHA256, pair.getPublic()));
        dns.txt("sel._domainkey.signed.example", DkimKeys.txtStrings(record).toArray(String[]::new));
        dns.txt("signed.example", "v=spf1 ip4:192.0.2.1 -all").txt("_dmarc.signed.example", "v=DMARC1; p=reject");
        startVerifying();
        String message = "From: <news@signed.example>\r\nSubject: test\r\n\r\nHello.\r\n";
        String signature = String.join("", new DkimSigner(Clock.systemUTC()).sign(
                List.of(new DkimSigner.Key("signed.example", "sel", DkimAlgorithm.ED25519_SHA256, pair.getPrivate())),
                new ByteArrayInputStream(message.getBytes(StandardCharsets.US_ASCII))));

        String reply = send("news@signed.example", signature + "From: <news@signed.example>\r\n");
        assertTrue(reply.startsWith("250 "), reply);
        String stored = stored();
        assertTrue(stored.contains("dkim=pass") && stored.contains("header.d=signed.example"), stored);
        assertTrue(stored.contains("dmarc=pass"), stored);

        // the same signature over a changed body: DKIM fails, SPF fails, p=reject
        try (RawSmtp c = server.connect()) {
            c.reply();
            c.cmd("EHLO client.test");
            assertTrue(c.cmd("MAIL FROM:<news@signed.example>").startsWith("250"));
            assertTrue(c.cmd("RCPT TO:<alice@example.test>").startsWith("250"));
            assertTrue(c.cmd("DATA").startsWith("354"));
            String refused = c.cmd(signature + "From: <news@signed.example>\r\nSubject: test\r\n\r\nHello, changed.\r\n.");
            assertTrue(refused.startsWith("550 5.7.1"), refused);
        }
    }

    @Test
    void forgedMailFromARejectDomainIsRefusedAtTheEndOfData() {
        start(Map.of());
        String reply = send("news@bank.example", "From: Bank <news@bank.example>\r\n");
        assertTrue(reply.startsWith("550 5.7.1 Email rejected per DMARC policy for bank.example"), reply);
        assertEquals(0, server.storedCount());
    }

    @Test
    void forgedFromHeaderAloneIsRefusedToo() {
        start(Map.of());
        // the envelope is honest (SPF pass for honest.example), the From header claims the bank: not aligned
        String reply = send("x@honest.example", "From: <ceo@bank.example>\r\n");
        assertTrue(reply.startsWith("550 5.7.1 "), reply);
        assertEquals(0, server.storedCount());
    }

    @Test
    void honestMessageIsDeliveredWithOneAuthenticationResultsOnTop() {
        start(Map.of());
        String reply = send("alice@honest.example", "From: Alice <alice@honest.example>\r\n");
        assertTrue(reply.startsWith("250 2.0.0"), reply);
        String m = stored();
        assertTrue(Pattern.compile("\\AReturn-Path: <alice@honest\\.example>\r\n"
                + "Authentication-Results: mx\\.example\\.test;\r\n"
                + "\tspf=pass \\([^)]*\\) smtp\\.mailfrom=alice@honest\\.example;\r\n"
                + "\tdkim=none;\r\n"
                + "\tdmarc=pass \\(p=reject; SPF aligned: honest\\.example\\) header\\.from=honest\\.example\r\n"
                + "Received: from client\\.test \\(unknown \\[127\\.0\\.0\\.1\\]\\)\r\n").matcher(m).find(), m);
        assertEquals(1, count(m, "Authentication-Results:"));
    }

    @Test
    void incomingAuthenticationResultsWithOurIdAreRemovedOthersKept() {
        start(Map.of());
        String forged = "Authentication-Results: mx.example.test; dmarc=pass header.from=bank.example\r\n"
                + "Authentication-Results: MX.EXAMPLE.TEST;\r\n\tspf=pass smtp.mailfrom=bank.example\r\n"
                + "Authentication-Results: upstream.example; spf=pass smtp.mailfrom=honest.example\r\n";
        assertTrue(send("alice@honest.example", forged + "From: <alice@honest.example>\r\n").startsWith("250 "));
        String m = stored();
        assertFalse(m.contains("header.from=bank.example"), m);
        assertFalse(m.contains("smtp.mailfrom=bank.example"), m);
        assertTrue(m.contains("Authentication-Results: upstream.example; spf=pass smtp.mailfrom=honest.example\r\n"), m);
        assertEquals(1, count(m.toLowerCase(), "authentication-results: mx.example.test"));
    }

    @Test
    void anOverlongForgedFieldRefusesTheMessage() {
        start(Map.of());
        // folded past the pipeline's 16 KiB per field: it would reach the store in pieces, so it cannot be left out
        String padded = "Authentication-Results: mx.example.test; dmarc=pass header.from=bank.example" + ("\r\n\t" + "x".repeat(900)).repeat(20) + "\r\n";
        String reply = send("alice@honest.example", padded + "From: <alice@honest.example>\r\n");
        assertTrue(reply.startsWith("554 5.7.1 "), reply);
        assertEquals(0, server.storedCount());
    }

    @Test
    void temporaryDnsErrorsDeferOnlyWhereARejectWouldFollow() {
        start(Map.of());
        // p=reject and SPF cannot be evaluated now: 451, the client retries; nothing stored
        String deferred = send("a@flaky.example", "From: <a@flaky.example>\r\n");
        assertTrue(deferred.startsWith("451 4.7.1 "), deferred);
        assertEquals(0, server.storedCount());
        // p=none: delivered, marked
        assertTrue(send("a@flakynone.example", "From: <a@flakynone.example>\r\n").startsWith("250 "));
        assertTrue(stored().contains("\tspf=temperror"), stored());
        // SPF fails but the policy cannot be fetched: no refusal on a guess
        assertTrue(send("a@nopolicy.example", "From: <a@nopolicy.example>\r\n").startsWith("250 "));
        assertTrue(stored().contains("\tdmarc=temperror"), stored());
    }

    @Test
    void malformedRecordsArePermerrorsAndTheMessageIsDelivered() {
        start(Map.of());
        assertTrue(send("a@broken.example", "From: <a@broken.example>\r\n").startsWith("250 "));
        String m = stored();
        assertTrue(m.contains("\tspf=permerror"), m);
        assertTrue(m.contains("\tdmarc=permerror"), m);
    }

    @Test
    void spfFailIsOnlyMarkedByDefaultAndRefusedWhenConfigured() {
        start(Map.of());
        assertTrue(send("a@strict-spf.example", "From: <a@strict-spf.example>\r\n").startsWith("250 "));
        assertTrue(stored().contains("\tspf=fail"), stored());
        server.close();
        start(Map.of("auth.spf-fail", "reject"));
        String reply = send("a@strict-spf.example", "From: <a@strict-spf.example>\r\n");
        assertTrue(reply.startsWith("550 5.7.23 SPF check failed"), reply);
        assertEquals(0, server.storedCount());
    }

    @Test
    void dmarcRejectCanBeTurnedIntoMarking() {
        start(Map.of("auth.dmarc-reject", "mark"));
        assertTrue(send("news@bank.example", "From: <news@bank.example>\r\n").startsWith("250 "));
        assertTrue(stored().contains("\tdmarc=fail (p=reject;"), stored());
    }

    @Test
    void trustedNetworksAreNotCheckedButCannotForgeOurResults() {
        start(Map.of("network.trusted", "127.0.0.0/8"));
        String forged = "Authentication-Results: mx.example.test; dmarc=pass header.from=bank.example\r\n";
        assertTrue(send("news@bank.example", forged + "From: <news@bank.example>\r\n").startsWith("250 "));
        String m = stored();
        assertFalse(m.contains("Authentication-Results"), m);
    }

    @Test
    void listedClientIsRefusedAtConnectWithTheListsText() throws Exception {
        dns.a("1.0.0.127.bl.test", "127.0.0.2").txt("1.0.0.127.bl.test", "Listed: see https://bl.test/lookup?ip=127.0.0.1");
        // two zones, in order (a repeated key in the file): the clean one is asked first
        server = SmtpTestServer.start(Map.of("network.trusted", "10.9.9.0/24"), config -> MailAuthChecks.of("mx.example.test",
                DnsjavaSpfDns.forServer("127.0.0.1", dns.address().port(), Duration.ofSeconds(2)), true, false, true,
                List.of("clean.test", "bl.test"), true, DkimVerification.NONE));
        try (RawSmtp c = server.connect()) {
            assertEquals("554 5.7.1 Service unavailable; client [127.0.0.1] blocked using bl.test; "
                    + "Listed: see https://bl.test/lookup?ip=127.0.0.1\r\n", c.reply());
            assertTrue(c.closedByServer());
        }
        assertTrue(dns.questions.contains("1.0.0.127.clean.test. A"), dns.questions.toString());
    }

    @Test
    void unlistedAndTrustedClientsAreGreeted() throws Exception {
        start(Map.of("auth.dnsbl", "clean.test"));
        try (RawSmtp c = server.connect()) {
            assertTrue(c.reply().startsWith("220 "));
        }
        server.close();
        dns.a("1.0.0.127.bl.test", "127.0.0.2");
        start(Map.of("auth.dnsbl", "bl.test", "network.trusted", "127.0.0.0/8"));
        try (RawSmtp c = server.connect()) {
            assertTrue(c.reply().startsWith("220 "));
        }
    }

    @Test
    void receivedNamesTheForwardConfirmedReverseName() throws Exception {
        dns.ptr("127.0.0.1", "client.mx.test").a("client.mx.test", "127.0.0.1");
        start(Map.of());
        assertTrue(send("alice@honest.example", "From: <alice@honest.example>\r\n").startsWith("250 "));
        assertTrue(stored().contains("Received: from client.test (client.mx.test [127.0.0.1])\r\n"), stored());
        // a PTR whose name does not resolve back is not confirmed
        dns.clear();
        dns.txt("honest.example", "v=spf1 ip4:127.0.0.0/8 -all").ptr("127.0.0.1", "liar.mx.test").a("liar.mx.test", "192.0.2.9");
        server.close();
        start(Map.of());
        assertTrue(send("alice@honest.example", "From: <alice@honest.example>\r\n").startsWith("250 "));
        assertTrue(stored().contains("Received: from client.test (unknown [127.0.0.1])\r\n"), stored());
    }

    private static int count(String haystack, String needle) {
        int n = 0;
        for (int i = haystack.indexOf(needle); i >= 0; i = haystack.indexOf(needle, i + 1)) {
            n++;
        }
        return n;
    }
}
