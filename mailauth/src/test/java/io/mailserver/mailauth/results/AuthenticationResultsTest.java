package io.mailserver.mailauth.results;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.mailserver.mailauth.spf.SpfResult;
import io.mailserver.mailauth.spf.SpfVerdict;
import java.util.List;
import org.junit.jupiter.api.Test;

class AuthenticationResultsTest {
    @Test
    void theHeaderWeWriteIsWellFormed() {
        SpfVerdict spf = new SpfVerdict(SpfResult.PASS, "mailfrom", "example.org", "a b@example.org", "matched (ip4)", null);
        String h = AuthenticationResults.render("mx.example.test", spf,
                List.of(new DkimResult("pass", "example.org", "sel", "@example.org", null)), null);
        assertEquals("Authentication-Results: mx.example.test;\r\n"
                + "\tspf=pass (matched \\(ip4\\)) smtp.mailfrom=\"a b@example.org\";\r\n"
                + "\tdkim=pass header.d=example.org header.s=sel header.i=@example.org", h);
        assertEquals("mx.example.test", AuthenticationResults.authservId(h.substring(h.indexOf(':') + 1), true));
    }

    @Test
    void authservIdBehindCommentsQuotedOrNotYetComplete() {
        assertEquals("mx.example.test", AuthenticationResults.authservId(" (a (nested) comment) mx.example.test; spf=pass", true));
        assertEquals("mx.example.test", AuthenticationResults.authservId(" \"mx.example.test\"; none", true));
        assertEquals("MX.Example.Test", AuthenticationResults.authservId("\r\n\tMX.Example.Test 1; none", true));
        assertEquals("mx.example.test", AuthenticationResults.authservId(" mx.example.test", true));
        // while the field is still arriving: not decided before the id is complete
        assertNull(AuthenticationResults.authservId(" mx.example.te", false));
        assertNull(AuthenticationResults.authservId(" (unclosed comment mx.example.test;", true));
        assertNull(AuthenticationResults.authservId("   ", true));
    }
}
