package io.mailserver.mailauth.results;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class IncomingHeaderFilterTest {
    private static final String MESSAGE = "Received: from a\r\n"
            + "Authentication-Results: MX.example.test; spf=pass smtp.mailfrom=forged@bank.example\r\n"
            + "Authentication-Results: (sneaky) \"mx.example.test\";\r\n\tdkim=pass header.d=bank.example\r\n"
            + "Authentication-Results: upstream.example; spf=fail\r\n"
            + "From: \"Bank\" <news@bank.example>\r\n"
            + "Subject: hello\r\n"
            + "\r\n"
            + "Authentication-Results: mx.example.test; body lines stay\r\n";
    private static final String EXPECTED = "Received: from a\r\n"
            + "Authentication-Results: upstream.example; spf=fail\r\n"
            + "From: \"Bank\" <news@bank.example>\r\n"
            + "Subject: hello\r\n"
            + "\r\n"
            + "Authentication-Results: mx.example.test; body lines stay\r\n";

    @Test
    void removesOurAuthservIdOnlyInTheHeaderWhateverTheWriteSizes() throws IOException {
        byte[] in = MESSAGE.getBytes(StandardCharsets.US_ASCII);
        for (int step : new int[] {1, 2, 3, 7, 64, in.length}) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            IncomingHeaderFilter f = new IncomingHeaderFilter(out, "mx.example.test");
            for (int i = 0; i < in.length; i += step) {
                f.write(in, i, Math.min(step, in.length - i));
            }
            f.finish();
            assertEquals(EXPECTED, out.toString(StandardCharsets.US_ASCII), "write size " + step);
            assertEquals(2, f.removed());
            assertEquals(List.of("\"Bank\" <news@bank.example>"), f.fromValues());
        }
    }

    @Test
    void aFieldThatNeverNamesItsIdWithinTheBoundIsRemovedAndMemoryStaysBounded() throws IOException {
        String padding = "(" + "x".repeat(IncomingHeaderFilter.MAX_UNDECIDED * 4) + ")";
        String msg = "Authentication-Results: " + padding + " mx.example.test; spf=pass\r\nSubject: s\r\n\r\nbody\r\n";
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        IncomingHeaderFilter f = new IncomingHeaderFilter(out, "mx.example.test");
        f.write(msg.getBytes(StandardCharsets.US_ASCII));
        f.finish();
        assertEquals("Subject: s\r\n\r\nbody\r\n", out.toString(StandardCharsets.US_ASCII));
    }

    @Test
    void aHeaderWithoutBodyEndsAtFinish() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        IncomingHeaderFilter f = new IncomingHeaderFilter(out, "mx.example.test");
        f.write("Subject: s\r\nAuthentication-Results: other.example; none\r\n".getBytes(StandardCharsets.US_ASCII));
        f.finish();
        assertEquals("Subject: s\r\nAuthentication-Results: other.example; none\r\n", out.toString(StandardCharsets.US_ASCII));
    }

    @Test
    void theHeaderWeWriteIsWellFormed() {
        var spf = new io.mailserver.mailauth.spf.SpfVerdict(io.mailserver.mailauth.spf.SpfResult.PASS, "mailfrom", "example.org",
                "a b@example.org", "matched (ip4)", null);
        String h = new String(AuthenticationResults.render("mx.example.test", spf,
                List.of(new DkimResult("pass", "example.org", "sel", "@example.org", null)), null), StandardCharsets.UTF_8);
        assertEquals("Authentication-Results: mx.example.test;\r\n"
                + "\tspf=pass (matched \\(ip4\\)) smtp.mailfrom=\"a b@example.org\";\r\n"
                + "\tdkim=pass header.d=example.org header.s=sel header.i=@example.org\r\n", h);
        assertEquals("mx.example.test", IncomingHeaderFilter.authservId(h.substring(h.indexOf(':') + 1), true));
    }
}
