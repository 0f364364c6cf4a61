package io.mailserver.mailauth.spf;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.mailserver.testkit.dns.LoopbackDnsServer;
import java.net.InetAddress;
import java.time.Clock;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The processing limits (RFC 7208 4.6.4) and the RFC's own examples (Appendix A), over real DNS on loopback. */
class SpfLimitsTest {
    private LoopbackDnsServer dns;
    private SpfChecker spf;

    @BeforeEach
    void start() throws Exception {
        dns = new LoopbackDnsServer();
        spf = new SpfChecker(DnsjavaSpfDns.forServer("127.0.0.1", dns.address().port(), Duration.ofSeconds(2)), "mx.test", Clock.systemUTC());
        // RFC 7208 Appendix A
        dns.txt("example.com", "v=spf1 +mx a:colo.example.com/28 -all");
        dns.a("example.com", "192.0.2.10").a("example.com", "192.0.2.11");
        dns.mx("example.com", 10, "mail-a.example.com").mx("example.com", 20, "mail-b.example.com");
        dns.a("mail-a.example.com", "192.0.2.129").a("mail-b.example.com", "192.0.2.130");
        dns.a("colo.example.com", "192.0.2.65");
        dns.ptr("192.0.2.10", "example.com").ptr("192.0.2.65", "colo.example.com");
    }

    @AfterEach
    void stop() {
        dns.close();
    }

    private SpfResult check(String ip, String from) throws Exception {
        return spf.check(InetAddress.getByName(ip), "helo.test", from).result();
    }

    @Test
    void appendixAExamples() throws Exception {
        assertEquals(SpfResult.PASS, check("192.0.2.129", "a@example.com")); // mx
        assertEquals(SpfResult.PASS, check("192.0.2.70", "a@example.com")); // a:colo.example.com/28
        assertEquals(SpfResult.FAIL, check("192.0.2.200", "a@example.com"));
        dns.txt("ptr.example.com", "v=spf1 ptr:example.com -all");
        assertEquals(SpfResult.PASS, check("192.0.2.65", "a@ptr.example.com")); // colo.example.com ends in example.com
        assertEquals(SpfResult.FAIL, check("192.0.2.129", "a@ptr.example.com")); // no PTR
    }

    @Test
    void moreThanTenDnsTermsIsPermerror() throws Exception {
        StringBuilder rec = new StringBuilder("v=spf1");
        for (int i = 0; i < 11; i++) {
            rec.append(" a:h").append(i).append(".many.example");
            dns.a("h" + i + ".many.example", "198.51.100." + i);
        }
        dns.txt("many.example", rec.append(" -all").toString());
        assertEquals(SpfResult.PASS, check("198.51.100.9", "x@many.example")); // the 10th term still counts
        assertEquals(SpfResult.PERMERROR, check("198.51.100.10", "x@many.example"));
    }

    @Test
    void aThirdVoidLookupIsPermerror() throws Exception {
        dns.txt("void.example", "v=spf1 a:n1.void.example a:n2.void.example a:n3.void.example -all");
        dns.txt("twovoid.example", "v=spf1 a:n1.void.example a:n2.void.example -all");
        assertEquals(SpfResult.PERMERROR, check("198.51.100.1", "x@void.example"));
        assertEquals(SpfResult.FAIL, check("198.51.100.1", "x@twovoid.example"));
    }

    @Test
    void moreThanTenMxNamesIsPermerror() throws Exception {
        dns.txt("mxs.example", "v=spf1 mx -all");
        for (int i = 0; i < 11; i++) {
            dns.mx("mxs.example", i, "m" + i + ".mxs.example");
        }
        assertEquals(SpfResult.PERMERROR, check("198.51.100.1", "x@mxs.example"));
    }

    @Test
    void macrosExpandAsTheRfcShows() throws Exception {
        // RFC 7208 7.4: %{ir}.%{v}._spf.%{d2} for 192.0.2.3 and strong-bad@email.example.com
        dns.txt("email.example.com", "v=spf1 exists:%{ir}.%{v}._spf.%{d2} -all");
        dns.a("3.2.0.192.in-addr._spf.example.com", "127.0.0.2");
        assertEquals(SpfResult.PASS, check("192.0.2.3", "strong-bad@email.example.com"));
        assertEquals(SpfResult.FAIL, check("192.0.2.4", "strong-bad@email.example.com"));
        dns.txt("l.example", "v=spf1 exists:%{l1r-}.user._spf.%{o} -all");
        dns.a("strong.user._spf.l.example", "127.0.0.2");
        assertEquals(SpfResult.PASS, check("192.0.2.3", "strong-bad@l.example"));
    }

    @Test
    void heloIsCheckedWhenTheSenderIsEmpty() throws Exception {
        dns.txt("helo.test", "v=spf1 ip4:203.0.113.5 -all");
        SpfVerdict v = spf.check(InetAddress.getByName("203.0.113.5"), "helo.test", "");
        assertEquals(SpfResult.PASS, v.result());
        assertEquals("helo", v.identity());
        assertEquals("postmaster@helo.test", v.sender());
    }

    @Test
    void serverFailureIsTemperrorAndMalformedIsPermerror() throws Exception {
        dns.servfail("down.example");
        assertEquals(SpfResult.TEMPERROR, check("192.0.2.1", "x@down.example"));
        dns.txt("bad.example", "v=spf1 ip4:300.1.1.1 -all");
        assertEquals(SpfResult.PERMERROR, check("192.0.2.1", "x@bad.example"));
        dns.txt("noise.example", "v=spf1 include: -all");
        assertEquals(SpfResult.PERMERROR, check("192.0.2.1", "x@noise.example"));
    }
}
