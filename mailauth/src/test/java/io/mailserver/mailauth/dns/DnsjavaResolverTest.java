package io.mailserver.mailauth.dns;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mailserver.testkit.dns.LoopbackDnsServer;
import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** dnsjava against a DNS server on 127.0.0.1 that the test controls. */
@Timeout(30)
class DnsjavaResolverTest {
    private LoopbackDnsServer dns;
    private DnsjavaResolver resolver;

    @BeforeEach
    void start() throws Exception {
        dns = new LoopbackDnsServer();
        dns.mx("example.test", 20, "mx2.example.test").mx("example.test", 10, "mx1.example.test")
                .a("mx1.example.test", "127.0.0.2").aaaa("mx1.example.test", "::1").a("mx2.example.test", "127.0.0.3")
                .a("nomx.test", "127.0.0.4").nullMx("nullmx.test").servfail("broken.test").silent("slow.test");
        resolver = DnsjavaResolver.forServer(dns.address().toSocketAddress(), Duration.ofMillis(500));
    }

    @AfterEach
    void stop() {
        dns.close();
    }

    @Test
    void mxRecordsWithPreferences() {
        DnsAnswer<MxRecord> a = resolver.mx("example.test");
        assertEquals(DnsAnswer.Status.FOUND, a.status());
        assertEquals(List.of(new MxRecord(10, "mx1.example.test"), new MxRecord(20, "mx2.example.test")),
                a.records().stream().sorted(java.util.Comparator.comparingInt(MxRecord::preference)).toList());
    }

    @Test
    void addressesIpv4First() {
        DnsAnswer<InetAddress> a = resolver.addresses("mx1.example.test");
        assertEquals(DnsAnswer.Status.FOUND, a.status());
        assertEquals(List.of("127.0.0.2", "0:0:0:0:0:0:0:1"), a.records().stream().map(InetAddress::getHostAddress).toList());
        assertEquals("mx1.example.test", a.records().get(0).getHostName());
    }

    @Test
    void noDataIsNotNxdomain() {
        assertEquals(DnsAnswer.Status.NO_RECORDS, resolver.mx("nomx.test").status());
        assertEquals(DnsAnswer.Status.NO_DOMAIN, resolver.mx("nowhere.test").status());
        assertEquals(DnsAnswer.Status.NO_DOMAIN, resolver.addresses("nowhere.test").status());
    }

    @Test
    void nullMxHasEmptyHost() {
        DnsAnswer<MxRecord> a = resolver.mx("nullmx.test");
        assertEquals(List.of(new MxRecord(0, "")), a.records());
        assertTrue(a.records().get(0).isNullMx());
    }

    @Test
    void servfailAndTimeoutAreTemporary() {
        assertEquals(DnsAnswer.Status.TEMP_FAILURE, resolver.mx("broken.test").status());
        assertEquals(DnsAnswer.Status.TEMP_FAILURE, resolver.mx("slow.test").status());
        assertEquals(DnsAnswer.Status.TEMP_FAILURE, resolver.addresses("slow.test").status());
    }

    @Test
    void noSearchDomainIsAppended() {
        resolver.mx("single");
        assertTrue(dns.questions.stream().allMatch(q -> q.startsWith("single. ")), dns.questions.toString());
    }
}
