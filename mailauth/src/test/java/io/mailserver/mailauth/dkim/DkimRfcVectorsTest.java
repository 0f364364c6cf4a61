package io.mailserver.mailauth.dkim;

import static io.mailserver.mailauth.dkim.DkimTestSupport.in;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The RFCs' own examples: RFC 8463 Appendix A (Ed25519 and RSA signatures) and RFC 6376 3.4.5 (canonicalisation). */
class DkimRfcVectorsTest {
    /** RFC 8463 A.2: the published keys. */
    static final Map<String, String> RFC8463_KEYS = Map.of(
            "brisbane._domainkey.football.example.com", "v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=",
            "test._domainkey.football.example.com", "v=DKIM1; k=rsa; p=MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDkHlOQoBTzWRiGs5V6NpP3idY6Wk08a5qhdR6wy5bdOKb2jLQiY/J16JYi0Qvx/byYzCNb3W91y3FutACDfzwQ/BC/e/8uBsCR+yz1Lxj+PL6lHvqMKrM3rG4hstT5QjvHO9PzoxZyVYLzBfO2EeC3Ip3G+2kryOTIKT+l/K4w3QIDAQAB");

    @Test
    void rfc8463ExampleVerifiesWithBothAlgorithms() throws Exception {
        DkimVerifier verifier = new DkimVerifier(DkimTestSupport.records(RFC8463_KEYS), Clock.systemUTC());
        List<DkimResult> results = verifier.verify(in(DkimTestSupport.resource("rfc8463-a3.eml")));
        assertEquals(2, results.size());
        DkimResult ed = results.get(0);
        assertEquals(DkimResult.Result.PASS, ed.result(), ed.toString());
        assertEquals("ed25519-sha256", ed.algorithm());
        assertEquals("brisbane", ed.selector());
        assertEquals("football.example.com", ed.domain());
        DkimResult rsa = results.get(1);
        assertEquals(DkimResult.Result.PASS, rsa.result(), rsa.toString());
        assertEquals("rsa-sha256", rsa.algorithm());
    }

    @Test
    void rfc8463ExampleFailsWhenOneBodyOctetChanges() throws Exception {
        byte[] msg = DkimTestSupport.resource("rfc8463-a3.eml");
        String s = new String(msg, StandardCharsets.ISO_8859_1).replace("Are you hungry", "Are you hungri");
        List<DkimResult> results = new DkimVerifier(DkimTestSupport.records(RFC8463_KEYS), Clock.systemUTC())
                .verify(in(s.getBytes(StandardCharsets.ISO_8859_1)));
        assertEquals(DkimResult.Result.FAIL, results.get(0).result());
        assertEquals("body hash did not verify", results.get(0).reason());
        assertEquals(DkimResult.Result.FAIL, results.get(1).result());
    }

    /** RFC 6376 3.4.5, header fields. */
    @Test
    void rfc6376HeaderCanonicalization() {
        String a = "A: X\r\n";
        String b = "B : Y\t\r\n\tZ  \r\n";
        assertEquals("a:X\r\n", Canonicalization.RELAXED.header(a));
        assertEquals("b:Y Z\r\n", Canonicalization.RELAXED.header(b));
        assertEquals(b, Canonicalization.SIMPLE.header(b));
    }

    /** RFC 6376 3.4.5, body; and the empty-body rules of 3.4.3 and 3.4.4. */
    @Test
    void rfc6376BodyCanonicalization() throws Exception {
        String body = " C \r\nD \t E\r\n\r\n\r\n";
        assertEquals(" C\r\nD E\r\n", canonical(Canonicalization.RELAXED, body));
        assertEquals(" C \r\nD \t E\r\n", canonical(Canonicalization.SIMPLE, body));
        assertEquals("\r\n", canonical(Canonicalization.SIMPLE, ""));
        assertEquals("", canonical(Canonicalization.RELAXED, ""));
        assertEquals("", canonical(Canonicalization.RELAXED, " \r\n\t\r\n"));
        assertEquals("x\r\n", canonical(Canonicalization.RELAXED, "x"));
        assertEquals("x\r\n", canonical(Canonicalization.SIMPLE, "x\r\n\r\n"));
    }

    /** The streaming canonicaliser gives the same octets however the body is cut into writes. */
    @Test
    void bodyCanonicalizationDoesNotDependOnHowTheBodyIsSplit() throws Exception {
        String body = "a  b \t\r\n\r\n  \r\nc\rd \r\n\r\n";
        for (Canonicalization c : Canonicalization.values()) {
            String whole = canonical(c, body);
            for (int cut = 0; cut <= body.length(); cut++) {
                MessageDigest d = MessageDigest.getInstance("SHA-256");
                BodyCanonicalizer bc = c.body(d, -1);
                byte[] b = body.getBytes(StandardCharsets.ISO_8859_1);
                bc.update(b, 0, cut);
                bc.update(b, cut, b.length - cut);
                bc.finish();
                assertEquals(hex(MessageDigest.getInstance("SHA-256").digest(whole.getBytes(StandardCharsets.ISO_8859_1))), hex(d.digest()),
                        c + " cut at " + cut);
            }
        }
    }

    @Test
    void withoutBRemovesOnlyTheSignatureValue() {
        String f = "DKIM-Signature: v=1; bh=abc=;\r\n\tb=AAA\r\n\t BBB; d=x\r\n";
        assertEquals("DKIM-Signature: v=1; bh=abc=;\r\n\tb=; d=x\r\n", HeaderHashing.withoutB(f));
        assertEquals("DKIM-Signature: v=1; b=\r\n", HeaderHashing.withoutB("DKIM-Signature: v=1; b=xyz\r\n"));
    }

    private static String canonical(Canonicalization c, String body) throws Exception {
        StringBuilder out = new StringBuilder();
        MessageDigest capture = new MessageDigest("capture") {
            @Override
            protected void engineUpdate(byte input) {
                out.append((char) (input & 0xff));
            }

            @Override
            protected void engineUpdate(byte[] input, int offset, int len) {
                out.append(new String(input, offset, len, StandardCharsets.ISO_8859_1));
            }

            @Override
            protected byte[] engineDigest() {
                return new byte[0];
            }

            @Override
            protected void engineReset() {
            }
        };
        BodyCanonicalizer bc = c.body(capture, -1);
        byte[] b = body.getBytes(StandardCharsets.ISO_8859_1);
        bc.update(b, 0, b.length);
        bc.finish();
        return out.toString();
    }

    private static String hex(byte[] b) {
        StringBuilder sb = new StringBuilder();
        for (byte x : b) {
            sb.append(String.format("%02x", x));
        }
        return sb.toString();
    }
}
