package io.mailserver.mailauth.dkim;

import static io.mailserver.mailauth.dkim.DkimTestSupport.concat;
import static io.mailserver.mailauth.dkim.DkimTestSupport.crlf;
import static io.mailserver.mailauth.dkim.DkimTestSupport.in;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mailserver.mailauth.dns.DnsjavaTxtLookup;
import io.mailserver.testkit.dns.LoopbackDnsServer;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Malformed signatures, missing and broken keys, DNS failures: each gets the result RFC 6376 / 8301 / 8601
 * name, with a reason, and nothing throws. Keys come from a real DNS server on loopback.
 */
class DkimBadInputTest {
    private static final String BODY = "From: alice@example.org\nTo: bob@remote.test\nSubject: hi\n\nhello\n";
    private LoopbackDnsServer dns;
    private DkimVerifier verifier;
    private KeyPair rsa;

    @BeforeEach
    void start() throws Exception {
        dns = new LoopbackDnsServer();
        verifier = new DkimVerifier(DnsjavaTxtLookup.forServer("127.0.0.1", dns.address().port(), Duration.ofMillis(800)), Clock.systemUTC());
        rsa = DkimKeys.generate(DkimAlgorithm.RSA_SHA256);
        publish("good", DkimAlgorithm.RSA_SHA256, rsa);
    }

    @AfterEach
    void stop() {
        dns.close();
    }

    private void publish(String selector, DkimAlgorithm a, KeyPair pair) {
        String record = DkimKeys.keyRecord(a, DkimKeys.publicKeyRecordBytes(a, pair.getPublic()));
        dns.txt(selector + "._domainkey.example.org", DkimKeys.txtStrings(record).toArray(String[]::new));
    }

    private DkimResult signedWith(String selector, KeyPair pair) throws Exception {
        List<String> fields = new DkimSigner(Clock.systemUTC()).sign(
                List.of(new DkimSigner.Key("example.org", selector, DkimAlgorithm.RSA_SHA256, pair.getPrivate())), in(crlf(BODY)));
        return only(concat(fields, crlf(BODY)));
    }

    private DkimResult only(byte[] message) throws Exception {
        List<DkimResult> results = verifier.verify(in(message));
        assertEquals(1, results.size());
        return results.get(0);
    }

    private DkimResult field(String value) throws Exception {
        return only(crlf("DKIM-Signature: " + value + "\n" + BODY));
    }

    private static void assertResult(DkimResult.Result expected, String reasonPart, DkimResult r) {
        assertEquals(expected, r.result(), r.toString());
        assertTrue(r.reason().contains(reasonPart), r.toString());
    }

    @Test
    void malformedSignatureFieldsAreNeutral() throws Exception {
        assertResult(DkimResult.Result.NEUTRAL, "tag without '='", field("garbage"));
        assertResult(DkimResult.Result.NEUTRAL, "no bh= tag", field("v=1; a=rsa-sha256; d=example.org; s=good; h=from; b=AAAA"));
        assertResult(DkimResult.Result.NEUTRAL, "unsupported version", field("v=2; a=rsa-sha256; d=example.org; s=good; h=from; bh=AAAA; b=AAAA"));
        assertResult(DkimResult.Result.NEUTRAL, "unknown algorithm", field("v=1; a=rsa-md5; d=example.org; s=good; h=from; bh=AAAA; b=AAAA"));
        assertResult(DkimResult.Result.NEUTRAL, "given twice", field("v=1; v=1; a=rsa-sha256; d=example.org; s=good; h=from; bh=AAAA; b=AAAA"));
        assertResult(DkimResult.Result.NEUTRAL, "not valid base64", field("v=1; a=rsa-sha256; d=example.org; s=good; h=from; bh=A*; b=AAAA"));
        DkimResult empty = field("");
        assertEquals(DkimResult.Result.NEUTRAL, empty.result(), empty.toString());
        DkimResult partial = field("v=1; a=rsa-sha256; d=Example.ORG; s=good; h=from; bh=AAAA");
        assertEquals("example.org", partial.domain(), "d= reported even when the field is unusable");
        assertEquals("good", partial.selector());
    }

    @Test
    void rfc8301AndPolicyFaults() throws Exception {
        assertResult(DkimResult.Result.FAIL, "rsa-sha1", field("v=1; a=rsa-sha1; d=example.org; s=good; h=from; bh=AAAA; b=AAAA"));
        assertResult(DkimResult.Result.PERMERROR, "expired", field("v=1; a=rsa-sha256; d=example.org; s=good; h=from; t=100; x=200; bh=AAAA; b=AAAA"));
        assertResult(DkimResult.Result.PERMERROR, "not in d=", field("v=1; a=rsa-sha256; d=example.org; s=good; i=a@evil.test; h=from; bh=AAAA; b=AAAA"));
        assertResult(DkimResult.Result.PERMERROR, "does not sign From", field("v=1; a=rsa-sha256; d=example.org; s=good; h=subject; bh=AAAA; b=AAAA"));

        KeyPairGenerator small = KeyPairGenerator.getInstance("RSA");
        small.initialize(512);
        KeyPair weak = small.generateKeyPair();
        publish("weak", DkimAlgorithm.RSA_SHA256, weak);
        assertResult(DkimResult.Result.FAIL, "512 bits is too small", signedWith("weak", weak));
    }

    @Test
    void missingBrokenAndUnreachableKeys() throws Exception {
        assertEquals(DkimResult.Result.PASS, signedWith("good", rsa).result());
        assertResult(DkimResult.Result.PERMERROR, "no key", signedWith("absent", rsa));
        dns.txt("revoked._domainkey.example.org", "v=DKIM1; k=rsa; p=");
        assertResult(DkimResult.Result.PERMERROR, "revoked", signedWith("revoked", rsa));
        dns.txt("junk._domainkey.example.org", "v=DKIM1; k=rsa; p=bm90IGEga2V5");
        assertResult(DkimResult.Result.PERMERROR, "not a valid rsa public key", signedWith("junk", rsa));
        dns.txt("ed._domainkey.example.org", "v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=");
        assertResult(DkimResult.Result.PERMERROR, "k=ed25519", signedWith("ed", rsa));
        dns.txt("syntax._domainkey.example.org", "v=DKIM1; k=rsa; p");
        assertResult(DkimResult.Result.PERMERROR, "key record", signedWith("syntax", rsa));
        dns.txt("v2._domainkey.example.org", "v=DKIM2; k=rsa; p=AAAA");
        assertResult(DkimResult.Result.PERMERROR, "DKIM1", signedWith("v2", rsa));
        dns.servfail("broken._domainkey.example.org");
        assertResult(DkimResult.Result.TEMPERROR, "key lookup failed", signedWith("broken", rsa));
        dns.silent("slow._domainkey.example.org");
        assertResult(DkimResult.Result.TEMPERROR, "key lookup failed", signedWith("slow", rsa));
    }

    @Test
    void onlyTheFirstTenSignaturesAreChecked() throws Exception {
        List<String> one = new DkimSigner(Clock.systemUTC()).sign(
                List.of(new DkimSigner.Key("example.org", "good", DkimAlgorithm.RSA_SHA256, rsa.getPrivate())), in(crlf(BODY)));
        List<String> eleven = java.util.Collections.nCopies(11, one.get(0));
        List<DkimResult> results = verifier.verify(in(concat(eleven, crlf(BODY))));
        assertEquals(11, results.size());
        assertEquals(DkimResult.Result.PASS, results.get(9).result());
        assertResult(DkimResult.Result.NEUTRAL, "more than 10", results.get(10));
    }

    @Test
    void aMessageWithoutSignaturesHasNoResultsAndOneWithoutBodyStillVerifies() throws Exception {
        assertTrue(verifier.verify(in(crlf(BODY))).isEmpty());
        String headersOnly = "From: alice@example.org\nSubject: no body";
        List<String> fields = new DkimSigner(Clock.systemUTC()).sign(
                List.of(new DkimSigner.Key("example.org", "good", DkimAlgorithm.RSA_SHA256, rsa.getPrivate())), in(crlf(headersOnly)));
        assertEquals(DkimResult.Result.PASS, only(concat(fields, crlf(headersOnly))).result());
    }
}
