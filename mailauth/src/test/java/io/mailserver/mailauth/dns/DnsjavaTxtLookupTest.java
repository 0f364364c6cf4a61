package io.mailserver.mailauth.dns;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mailserver.testkit.dns.LoopbackDnsServer;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** TXT answers from a real DNS server on loopback: each outcome the RFCs tell apart. */
class DnsjavaTxtLookupTest {
    private LoopbackDnsServer dns;
    private TxtLookup lookup;

    @BeforeEach
    void start() throws Exception {
        dns = new LoopbackDnsServer();
        lookup = DnsjavaTxtLookup.forServer("127.0.0.1", dns.address().port(), Duration.ofMillis(800));
    }

    @AfterEach
    void stop() {
        dns.close();
    }

    @Test
    void characterStringsOfOneRecordAreJoinedAndRecordsKeptApart() {
        dns.txt("sel._domainkey.example.test", "v=DKIM1; k=rsa; ", "p=ABC");
        dns.txt("sel._domainkey.example.test", "second record");
        TxtAnswer a = lookup.txt("sel._domainkey.example.test");
        assertEquals(TxtAnswer.Outcome.FOUND, a.outcome());
        assertEquals(List.of("v=DKIM1; k=rsa; p=ABC", "second record"), a.records());
    }

    @Test
    void aRecordLongerThanUdpAllowsComesOverTcp() {
        String chunk = "x".repeat(255);
        dns.txt("big.example.test", chunk, chunk, chunk);
        TxtAnswer a = lookup.txt("big.example.test");
        assertEquals(List.of(chunk.repeat(3)), a.records());
        assertTrue(dns.questions.contains("big.example.test. TXT tcp"), dns.questions.toString());
    }

    @Test
    void nxdomainNodataServfailSilenceAndBadNamesAreDistinct() throws Exception {
        dns.a("host.example.test", "192.0.2.1");
        dns.servfail("broken.example.test");
        dns.silent("slow.example.test");
        assertEquals(TxtAnswer.Outcome.NXDOMAIN, lookup.txt("missing.example.test").outcome());
        TxtAnswer nodata = lookup.txt("host.example.test");
        assertEquals(TxtAnswer.Outcome.FOUND, nodata.outcome());
        assertTrue(nodata.records().isEmpty() && nodata.isVoid());
        assertEquals(TxtAnswer.Outcome.TEMPORARY_FAILURE, lookup.txt("broken.example.test").outcome());
        assertEquals(TxtAnswer.Outcome.TEMPORARY_FAILURE, lookup.txt("slow.example.test").outcome());
        assertEquals(TxtAnswer.Outcome.PERMANENT_FAILURE, lookup.txt("a..b.example.test").outcome());
    }
}
