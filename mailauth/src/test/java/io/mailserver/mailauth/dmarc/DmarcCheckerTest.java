package io.mailserver.mailauth.dmarc;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.mailserver.mailauth.dmarc.DmarcRecord.Policy;
import io.mailserver.mailauth.dmarc.DmarcVerdict.Action;
import io.mailserver.mailauth.results.DkimResult;
import io.mailserver.mailauth.spf.DnsjavaSpfDns;
import io.mailserver.mailauth.spf.SpfResult;
import io.mailserver.mailauth.spf.SpfVerdict;
import io.mailserver.testkit.dns.LoopbackDnsServer;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** DMARC policy discovery, alignment and policy, with the records served by a real DNS server on loopback. */
class DmarcCheckerTest {
    private LoopbackDnsServer dns;
    private DmarcChecker checker;

    @BeforeEach
    void start() throws Exception {
        dns = new LoopbackDnsServer();
        dns.txt("_dmarc.strict.example", "v=DMARC1; p=reject; adkim=s; aspf=s");
        dns.txt("_dmarc.relaxed.example", "v=DMARC1; p=quarantine; sp=reject; rua=mailto:d@relaxed.example");
        dns.txt("_dmarc.none.example", "v=DMARC1; p=none");
        dns.txt("_dmarc.broken.example", "v=DMARC1; p=bogus");
        dns.txt("_dmarc.twice.example", "v=DMARC1; p=reject");
        dns.txt("_dmarc.twice.example", "v=DMARC1; p=none");
        dns.txt("_dmarc.half.example", "v=DMARC1; p=reject; pct=0");
        dns.servfail("_dmarc.down.example");
        dns.txt("_dmarc.example.co.uk", "v=DMARC1; p=reject");
        checker = new DmarcChecker(DnsjavaSpfDns.forServer("127.0.0.1", dns.address().port(), Duration.ofSeconds(2)), new Random(1));
    }

    @AfterEach
    void stop() {
        dns.close();
    }

    private static SpfVerdict spf(SpfResult r, String domain) {
        return new SpfVerdict(r, "mailfrom", domain, "x@" + domain, "", null);
    }

    @Test
    void spfPassAlignedRelaxedPasses() {
        DmarcVerdict v = checker.check(List.of("relaxed.example"), spf(SpfResult.PASS, "bounce.relaxed.example"), List.of());
        assertEquals("pass", v.result());
        assertEquals(Action.DELIVER, v.action());
    }

    @Test
    void strictAlignmentNeedsTheSameName() {
        DmarcVerdict v = checker.check(List.of("strict.example"), spf(SpfResult.PASS, "bounce.strict.example"),
                List.of(new DkimResult("pass", "mail.strict.example", "s1", null, null)));
        assertEquals("fail", v.result());
        assertEquals(Action.REJECT, v.action());
        assertEquals(Policy.REJECT, v.policy());
        assertEquals("pass", checker.check(List.of("strict.example"), spf(SpfResult.FAIL, "other.example"),
                List.of(new DkimResult("pass", "strict.example", "s1", null, null))).result());
    }

    @Test
    void subdomainUsesTheOrganizationalRecordsSp() {
        DmarcVerdict v = checker.check(List.of("news.relaxed.example"), spf(SpfResult.FAIL, "news.relaxed.example"), List.of());
        assertEquals("fail", v.result());
        assertEquals(Policy.REJECT, v.policy());
        assertEquals(Action.REJECT, v.action());
        assertEquals(Action.QUARANTINE, checker.check(List.of("relaxed.example"), spf(SpfResult.FAIL, "x.test"), List.of()).action());
    }

    @Test
    void publicSuffixListDecidesTheOrganizationalDomain() {
        assertEquals("example.co.uk", OrganizationalDomain.of("mail.example.co.uk"));
        assertEquals("example.test", OrganizationalDomain.of("a.b.example.test")); // no listed suffix: the default rule
        DmarcVerdict v = checker.check(List.of("shop.example.co.uk"), spf(SpfResult.NONE, "x.test"), List.of());
        assertEquals(Action.REJECT, v.action());
        // co.uk itself is a suffix: example.co.uk and other.co.uk are not aligned
        assertEquals("fail", checker.check(List.of("example.co.uk"), spf(SpfResult.PASS, "other.co.uk"), List.of()).result());
    }

    @Test
    void noRecordMalformedRecordAndSeveralRecordsApplyNoPolicy() {
        assertEquals("none", checker.check(List.of("nothing.example"), spf(SpfResult.FAIL, "nothing.example"), List.of()).result());
        DmarcVerdict broken = checker.check(List.of("broken.example"), spf(SpfResult.FAIL, "broken.example"), List.of());
        assertEquals("permerror", broken.result());
        assertEquals(Action.DELIVER, broken.action());
        assertEquals(Action.DELIVER, checker.check(List.of("twice.example"), spf(SpfResult.FAIL, "twice.example"), List.of()).action());
    }

    @Test
    void temporaryErrorsRefuseForNowOnlyWhereARejectCouldFollow() {
        // the policy itself cannot be fetched: no refusal on a guess
        DmarcVerdict down = checker.check(List.of("down.example"), spf(SpfResult.FAIL, "down.example"), List.of());
        assertEquals("temperror", down.result());
        assertEquals(Action.DELIVER, down.action());
        // p=reject and the aligned SPF check failed temporarily: 4xx, the retry may pass
        DmarcVerdict hidden = checker.check(List.of("strict.example"), spf(SpfResult.TEMPERROR, "strict.example"), List.of());
        assertEquals("temperror", hidden.result());
        assertEquals(Action.TEMPFAIL, hidden.action());
        // the same under p=none: delivered
        assertEquals(Action.DELIVER, checker.check(List.of("none.example"), spf(SpfResult.TEMPERROR, "none.example"), List.of()).action());
    }

    @Test
    void pctZeroAppliesTheNextWeakerPolicy() {
        assertEquals(Action.QUARANTINE, checker.check(List.of("half.example"), spf(SpfResult.FAIL, "half.example"), List.of()).action());
    }

    @Test
    void severalFromDomainsAreJudgedByTheStrictest() {
        DmarcVerdict v = checker.check(List.of("none.example", "strict.example"), spf(SpfResult.PASS, "none.example"), List.of());
        assertEquals("strict.example", v.fromDomain());
        assertEquals(Action.REJECT, v.action());
        assertEquals("none", checker.check(List.of(), spf(SpfResult.PASS, "a.example"), List.of()).result());
    }

    @Test
    void fromFieldValuesGiveTheirDomains() {
        assertEquals(List.of("example.org"), FromDomains.of(List.of("\"Alice (the boss)\" <alice@Example.ORG.> (comment@evil.example)")));
        assertEquals(List.of("a.example", "b.example"), FromDomains.of(List.of("a@a.example, Bob <b@b.example>")));
        assertEquals(List.of("c.example"), FromDomains.of(List.of("Team: c@c.example;")));
        assertEquals(List.of("q.example"), FromDomains.of(List.of("\"x@fake.example, y\" <q@q.example>")));
        assertEquals(List.of(), FromDomains.of(List.of("undisclosed")));
    }
}
