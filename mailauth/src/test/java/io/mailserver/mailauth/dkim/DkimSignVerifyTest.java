package io.mailserver.mailauth.dkim;

import static io.mailserver.mailauth.dkim.DkimTestSupport.concat;
import static io.mailserver.mailauth.dkim.DkimTestSupport.crlf;
import static io.mailserver.mailauth.dkim.DkimTestSupport.in;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Signatures this library makes verify here, and every change that should break them does. */
class DkimSignVerifyTest {
    static final String MESSAGE = """
            From: Alice <alice@example.org>
            To: bob@remote.test
            Subject:  Lunch   tomorrow?
            Date: Thu, 3 Dec 2026 12:00:00 +0000
            Message-ID: <1@example.org>
            MIME-Version: 1.0
            Content-Type: text/plain; charset=utf-8

            Hello Bob,\t 
            are you free?

            """;

    static KeyPair rsa;
    static KeyPair ed;
    static List<DkimSigner.Key> keys;
    static Map<String, String> dns = new HashMap<>();

    @BeforeAll
    static void keys() {
        rsa = DkimKeys.generate(DkimAlgorithm.RSA_SHA256);
        ed = DkimKeys.generate(DkimAlgorithm.ED25519_SHA256);
        keys = List.of(new DkimSigner.Key("example.org", "r1", DkimAlgorithm.RSA_SHA256, rsa.getPrivate()),
                new DkimSigner.Key("example.org", "e1", DkimAlgorithm.ED25519_SHA256, ed.getPrivate()));
        dns.put("r1._domainkey.example.org", DkimKeys.keyRecord(DkimAlgorithm.RSA_SHA256,
                DkimKeys.publicKeyRecordBytes(DkimAlgorithm.RSA_SHA256, rsa.getPublic())));
        dns.put("e1._domainkey.example.org", DkimKeys.keyRecord(DkimAlgorithm.ED25519_SHA256,
                DkimKeys.publicKeyRecordBytes(DkimAlgorithm.ED25519_SHA256, ed.getPublic())));
    }

    static List<String> sign(byte[] message) throws Exception {
        return new DkimSigner(Clock.fixed(Instant.parse("2026-12-03T12:00:00Z"), ZoneOffset.UTC)).sign(keys, in(message));
    }

    static List<DkimResult> verify(byte[] signed) throws Exception {
        return new DkimVerifier(DkimTestSupport.records(dns), Clock.systemUTC()).verify(in(signed));
    }

    @Test
    void bothSignaturesVerifyAndCarryTheirTags() throws Exception {
        List<String> fields = sign(crlf(MESSAGE));
        assertEquals(2, fields.size());
        String rsaField = fields.get(0);
        assertTrue(rsaField.startsWith("DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed;"), rsaField);
        assertTrue(fields.get(1).contains("a=ed25519-sha256"), fields.get(1));
        assertFalse(rsaField.contains(" l="), "never l= when signing");
        String h = rsaField.replaceAll("(?s).*?\\sh=([^;]*);.*", "$1").replaceAll("\\s", "");
        assertEquals("from:from:subject:subject:date:date:to:to:message-id:message-id:mime-version:content-type", h);
        for (String line : rsaField.split("\r\n")) {
            assertTrue(line.length() <= 78, "folded: " + line);
        }
        List<DkimResult> results = verify(concat(fields, crlf(MESSAGE)));
        assertEquals(2, results.size());
        for (DkimResult r : results) {
            assertEquals(DkimResult.Result.PASS, r.result(), r.toString());
            assertEquals("example.org", r.domain());
        }
        assertEquals("r1", results.get(0).selector());
        assertEquals("e1", results.get(1).selector());
    }

    @Test
    void relaxedCanonicalisationSurvivesWhitespaceChangesAndSimpleTransportRewrites() throws Exception {
        List<String> fields = sign(crlf(MESSAGE));
        String changed = MESSAGE.replace("Subject:  Lunch   tomorrow?", "subject: Lunch tomorrow?  ")
                .replace("Hello Bob,\t ", "Hello  Bob,") + "\n\n";
        for (DkimResult r : verify(concat(fields, crlf(changed)))) {
            assertEquals(DkimResult.Result.PASS, r.result(), r.toString());
        }
    }

    @Test
    void aChangedHeaderOrBodyFails() throws Exception {
        List<String> fields = sign(crlf(MESSAGE));
        List<DkimResult> header = verify(concat(fields, crlf(MESSAGE.replace("Lunch", "Dinner"))));
        assertEquals(DkimResult.Result.FAIL, header.get(0).result());
        assertEquals("signature did not verify", header.get(0).reason());
        assertEquals(DkimResult.Result.FAIL, header.get(1).result());
        List<DkimResult> body = verify(concat(fields, crlf(MESSAGE.replace("free", "busy"))));
        assertEquals("body hash did not verify", body.get(0).reason());
    }

    /**
     * Over-signing: a second From, To, Subject, Date or Message-ID put above the signed one (where many mail
     * readers look first) breaks the signature.
     */
    @Test
    void anAddedOverSignedFieldFails() throws Exception {
        List<String> fields = sign(crlf(MESSAGE));
        for (String added : List.of("From: mallory@evil.test", "To: carol@remote.test", "Subject: Pay this",
                "Date: Fri, 4 Dec 2026 12:00:00 +0000", "Message-ID: <2@evil.test>")) {
            // at the top: a verifier takes instances from the bottom up, so only the extra listed name covers it
            String withField = added + "\n" + MESSAGE;
            for (DkimResult r : verify(concat(fields, crlf(withField)))) {
                assertEquals(DkimResult.Result.FAIL, r.result(), added + ": " + r);
            }
        }
    }

    @Test
    void aBodyOfManyMegabytesStreamsThroughSignerAndVerifierInPieces() throws Exception {
        DkimSigner.Signing signing = new DkimSigner(Clock.systemUTC()).start();
        byte[] head = crlf("From: alice@example.org\nSubject: big\n\n");
        byte[] line = crlf("0123456789abcdefghijklmnopqrstuvwxyz 0123456789abcdefghijklmnopqrstuvwxyz\n");
        signing.write(head);
        int lines = 900_000; // 68 MB, more than the 64 MB test heap (mailauth/pom.xml): kept whole, it would not fit
        for (int i = 0; i < lines; i++) {
            signing.write(line);
        }
        List<String> fields = signing.finish(keys);
        DkimVerifier.Verification v = new DkimVerifier(DkimTestSupport.records(dns), Clock.systemUTC()).start();
        for (String f : fields) {
            v.write(f.getBytes(StandardCharsets.US_ASCII));
        }
        v.write(head);
        for (int i = 0; i < lines; i++) {
            v.write(line);
        }
        for (DkimResult r : v.results()) {
            assertEquals(DkimResult.Result.PASS, r.result(), r.toString());
        }
    }
}
