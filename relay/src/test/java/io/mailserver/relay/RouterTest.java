package io.mailserver.relay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mailserver.config.HostPort;
import io.mailserver.mailauth.dns.DnsAnswer;
import io.mailserver.mailauth.dns.StaticDns;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class RouterTest {
    private final StaticDns dns = new StaticDns();

    private Router router(Map<String, HostPort> routes, Optional<HostPort> smarthost, Random random) {
        return new Router(routes, smarthost, RelayTlsPolicy.OPPORTUNISTIC, Optional.empty(), dns, "me.test", 25, random);
    }

    private List<String> hops(Router r, String domain) {
        RouteResult res = r.resolve(r.destinationFor(domain));
        return assertInstanceOf(RouteResult.Hops.class, res, res.toString()).hops().stream().map(Hop::toString).toList();
    }

    private RouteResult.NoRoute noRoute(Router r, String domain) {
        RouteResult res = r.resolve(r.destinationFor(domain));
        return assertInstanceOf(RouteResult.NoRoute.class, res, res.toString());
    }

    @Test
    void mxHostsByPreferenceThenTheirAddresses() {
        dns.mx("d.test", 20, "b.d.test", 10, "a.d.test").a("a.d.test", "192.0.2.1", "192.0.2.2").a("b.d.test", "192.0.2.3");
        assertEquals(List.of("a.d.test[192.0.2.1]:25", "a.d.test[192.0.2.2]:25", "b.d.test[192.0.2.3]:25"),
                hops(router(Map.of(), Optional.empty(), new Random(1)), "d.test"));
    }

    @Test
    void equalPreferencesAreShuffled() {
        dns.mx("d.test", 10, "a.d.test", 10, "b.d.test").a("a.d.test", "192.0.2.1").a("b.d.test", "192.0.2.2");
        Set<String> firsts = new HashSet<>();
        Random random = new Random(42);
        for (int i = 0; i < 40; i++) {
            firsts.add(hops(router(Map.of(), Optional.empty(), random), "d.test").get(0));
        }
        assertEquals(2, firsts.size());
    }

    @Test
    void mxHostWithoutAddressIsSkipped() {
        dns.mx("d.test", 10, "gone.d.test", 20, "b.d.test").a("b.d.test", "192.0.2.2");
        assertEquals(List.of("b.d.test[192.0.2.2]:25"), hops(router(Map.of(), Optional.empty(), new Random()), "d.test"));
    }

    @Test
    void noMxMeansTheDomainIsItsOwnMx() {
        dns.mxStatus("d.test", DnsAnswer.Status.NO_RECORDS).a("d.test", "192.0.2.9");
        assertEquals(List.of("d.test[192.0.2.9]:25"), hops(router(Map.of(), Optional.empty(), new Random()), "d.test"));
    }

    @Test
    void nullMxFailsAtOnce() {
        dns.mx("d.test", 0, "");
        RouteResult.NoRoute n = noRoute(router(Map.of(), Optional.empty(), new Random()), "d.test");
        assertTrue(n.permanent());
        assertEquals("5.1.10", n.status());
    }

    @Test
    void unknownDomainFailsTemporaryDnsDefers() {
        RouteResult.NoRoute n = noRoute(router(Map.of(), Optional.empty(), new Random()), "nowhere.test");
        assertTrue(n.permanent());
        assertEquals("5.1.2", n.status());
        dns.mxStatus("flaky.test", DnsAnswer.Status.TEMP_FAILURE);
        RouteResult.NoRoute t = noRoute(router(Map.of(), Optional.empty(), new Random()), "flaky.test");
        assertFalse(t.permanent());
        assertEquals("4.4.3", t.status());
        dns.mx("half.test", 10, "mx.half.test").aStatus("mx.half.test", DnsAnswer.Status.TEMP_FAILURE);
        assertFalse(noRoute(router(Map.of(), Optional.empty(), new Random()), "half.test").permanent());
    }

    @Test
    void myselfAndWorseMxAreDropped() {
        dns.mx("d.test", 10, "a.d.test", 20, "me.test", 30, "c.d.test").a("a.d.test", "192.0.2.1").a("c.d.test", "192.0.2.3");
        assertEquals(List.of("a.d.test[192.0.2.1]:25"), hops(router(Map.of(), Optional.empty(), new Random()), "d.test"));
        dns.mx("loop.test", 10, "me.test", 20, "c.d.test");
        RouteResult.NoRoute n = noRoute(router(Map.of(), Optional.empty(), new Random()), "loop.test");
        assertEquals("5.4.6", n.status());
    }

    @Test
    void routeWinsOverSmarthostWhichWinsOverMx() {
        dns.mx("d.test", 10, "a.d.test").a("a.d.test", "192.0.2.1").a("relay.test", "192.0.2.7");
        Router r = router(Map.of("remote.test", new HostPort("127.0.0.1", 2600)), Optional.of(new HostPort("relay.test", 587)), new Random());
        assertEquals(List.of("127.0.0.1[127.0.0.1]:2600"), hops(r, "remote.test"));
        assertEquals(List.of("relay.test[192.0.2.7]:587"), hops(r, "d.test"));
        assertEquals(Destination.Kind.SMARTHOST, r.destinationFor("d.test").kind());
        assertEquals(r.destinationFor("d.test").key(), r.destinationFor("other.test").key());
    }

    @Test
    void addressLiteralGoesStraightThere() {
        Router r = router(Map.of(), Optional.empty(), new Random());
        assertEquals(List.of("192.0.2.5[192.0.2.5]:25"), hops(r, "[192.0.2.5]"));
    }
}
