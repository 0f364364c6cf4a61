package io.mailserver.mailauth.dkim;

import static io.mailserver.mailauth.dkim.DkimTestSupport.concat;
import static io.mailserver.mailauth.dkim.DkimTestSupport.crlf;
import static io.mailserver.mailauth.dkim.DkimTestSupport.in;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mailserver.mailauth.dns.DnsjavaTxtLookup;
import io.mailserver.testkit.dkim.PythonDkim;
import io.mailserver.testkit.dns.LoopbackDnsServer;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Both ways with an independent implementation, Debian's python3-dkim (dkimpy): what it signs verifies here,
 * what this library signs verifies there. Keys are served by a DNS server on loopback to both.
 */
class DkimInteropTest {
    private static final String MESSAGE = """
            From: Alice <alice@example.org>
            To: bob@remote.test
            Subject:   Interop\t test
            Date: Thu, 3 Dec 2026 12:00:00 +0000
            Message-ID: <interop@example.org>

            Line one,  with  spaces\t
            line two.

            """;

    static LoopbackDnsServer dns;
    static KeyPair rsa;
    static KeyPair ed;
    static DkimVerifier verifier;

    @BeforeAll
    static void start() throws Exception {
        PythonDkim.requireInstalled();
        dns = new LoopbackDnsServer();
        rsa = DkimKeys.generate(DkimAlgorithm.RSA_SHA256);
        ed = DkimKeys.generate(DkimAlgorithm.ED25519_SHA256);
        publish("rsa", DkimAlgorithm.RSA_SHA256, rsa);
        publish("ed", DkimAlgorithm.ED25519_SHA256, ed);
        verifier = new DkimVerifier(DnsjavaTxtLookup.forServer("127.0.0.1", dns.address().port(), Duration.ofSeconds(2)), Clock.systemUTC());
    }

    @AfterAll
    static void stop() {
        if (dns != null) {
            dns.close();
        }
    }

    private static void publish(String selector, DkimAlgorithm a, KeyPair pair) {
        String record = DkimKeys.keyRecord(a, DkimKeys.publicKeyRecordBytes(a, pair.getPublic()));
        dns.txt(selector + "._domainkey.example.org", DkimKeys.txtStrings(record).toArray(String[]::new));
    }

    @Test
    void dkimpySignaturesVerifyHereInEveryCanonicalisation() throws Exception {
        byte[] message = crlf(MESSAGE);
        for (String canon : List.of("relaxed/relaxed", "simple/simple", "relaxed/simple", "simple/relaxed")) {
            String rsaField = PythonDkim.sign(message, "rsa", "example.org", PythonDkim.pem(rsa.getPrivate().getEncoded()), "rsa-sha256", canon, false);
            String edField = PythonDkim.sign(message, "ed", "example.org", PythonDkim.ed25519Seed(ed.getPrivate().getEncoded()), "ed25519-sha256", canon, false);
            List<DkimResult> results = verifier.verify(in(concat(List.of(rsaField, edField), message)));
            assertEquals(2, results.size());
            for (DkimResult r : results) {
                assertEquals(DkimResult.Result.PASS, r.result(), canon + ": " + r);
            }
            assertEquals("rsa-sha256", results.get(0).algorithm());
            assertEquals("ed25519-sha256", results.get(1).algorithm());
        }
    }

    /** l= as RFC 6376 says: the signed part verifies; what was appended is reported in the reason, not hidden. */
    @Test
    void dkimpyBodyLengthIsHonouredAndAppendedContentReported() throws Exception {
        byte[] message = crlf(MESSAGE);
        String field = PythonDkim.sign(message, "rsa", "example.org", PythonDkim.pem(rsa.getPrivate().getEncoded()), "rsa-sha256", "relaxed/relaxed", true);
        assertTrue(field.contains("l="), field);
        DkimResult exact = verifier.verify(in(concat(List.of(field), message))).get(0);
        assertEquals("good signature", exact.reason());
        byte[] appended = concat(List.of(field), crlf(MESSAGE + "Appended by someone else.\n"));
        DkimResult r = verifier.verify(in(appended)).get(0);
        assertEquals(DkimResult.Result.PASS, r.result(), r.toString());
        assertTrue(r.reason().matches("good signature; l= covers \\d+ of \\d+ body octets"), r.toString());
    }

    @Test
    void ourSignaturesVerifyWithDkimpy() throws Exception {
        byte[] message = crlf(MESSAGE);
        List<String> fields = new DkimSigner(Clock.systemUTC()).sign(List.of(
                new DkimSigner.Key("example.org", "rsa", DkimAlgorithm.RSA_SHA256, rsa.getPrivate()),
                new DkimSigner.Key("example.org", "ed", DkimAlgorithm.ED25519_SHA256, ed.getPrivate())), in(message));
        PythonDkim.Run run = PythonDkim.verify(dns.address().port(), concat(fields, message));
        assertEquals(0, run.exit(), run.output());
        assertEquals("0 rsa-sha256 example.org rsa pass\n1 ed25519-sha256 example.org ed pass\n", run.output());

        // and dkimpy is no pushover: a changed body fails there too
        byte[] changed = concat(fields, crlf(MESSAGE.replace("two", "2")));
        PythonDkim.Run bad = PythonDkim.verify(dns.address().port(), changed);
        assertEquals(1, bad.exit(), bad.output());
        assertTrue(new String(changed, StandardCharsets.ISO_8859_1).contains("line 2."));
    }
}
