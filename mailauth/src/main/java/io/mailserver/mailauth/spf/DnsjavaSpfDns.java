package io.mailserver.mailauth.spf;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;

import org.xbill.DNS.AAAARecord;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.Cache;
import org.xbill.DNS.DClass;
import org.xbill.DNS.ExtendedResolver;
import org.xbill.DNS.Lookup;
import org.xbill.DNS.MXRecord;
import org.xbill.DNS.Name;
import org.xbill.DNS.PTRRecord;
import org.xbill.DNS.Record;
import org.xbill.DNS.Resolver;
import org.xbill.DNS.ReverseMap;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.TXTRecord;
import org.xbill.DNS.TextParseException;
import org.xbill.DNS.Type;

/**
 * {@link SpfDns} on dnsjava: exactly one server ({@code dns.resolver}, or a test's loopback server) or the
 * system's resolvers. Answers and negative answers are cached for their TTL (dnsjava's {@link Cache});
 * names are absolute, so no search domain is appended; the hosts file is never read. Blocking, bounded by
 * the timeout: call it off the I/O threads (docs/design.md, contract 5).
 */
public final class DnsjavaSpfDns implements SpfDns {
    private final Resolver resolver;
    private final Cache cache = new Cache(DClass.IN);
    /**
     * Questions whose lookup failed (time-out, SERVFAIL), until when they count as failing without being asked
     * again (RFC 2308 7.1 lets a resolver remember a server failure for up to five minutes). Without it a resolver
     * that does not answer costs every new connection the whole time-out: 1,000 connections from one address
     * waited 5 s each for the same PTR question.
     */
    private final java.util.concurrent.ConcurrentHashMap<String, Long> failing = new java.util.concurrent.ConcurrentHashMap<>();
    static final Duration FAILURE_CACHE = Duration.ofSeconds(30);

    private DnsjavaSpfDns(Resolver resolver) {
        this.resolver = resolver;
        cache.setMaxEntries(10_000);
    }

    public static DnsjavaSpfDns forServer(String host, int port, Duration timeout) {
        SimpleResolver r = new SimpleResolver(new InetSocketAddress(host, port));
        r.setTimeout(timeout);
        return new DnsjavaSpfDns(r);
    }

    public static DnsjavaSpfDns system(Duration timeout) {
        ExtendedResolver r = new ExtendedResolver();
        r.setTimeout(timeout);
        return new DnsjavaSpfDns(r);
    }

    @Override
    public Answer<String> txt(String name) {
        return ask(name, Type.TXT, r -> r instanceof TXTRecord t ? joined(t) : null);
    }

    @Override
    public Answer<InetAddress> a(String name) {
        return ask(name, Type.A, r -> r instanceof ARecord a ? a.getAddress() : null);
    }

    @Override
    public Answer<InetAddress> aaaa(String name) {
        return ask(name, Type.AAAA, r -> r instanceof AAAARecord a ? a.getAddress() : null);
    }

    @Override
    public Answer<String> mx(String name) {
        return ask(name, Type.MX, r -> r instanceof MXRecord mx ? hostName(mx.getTarget()) : null);
    }

    @Override
    public Answer<String> ptr(InetAddress address) {
        return ask(ReverseMap.fromAddress(address).toString(), Type.PTR, r -> r instanceof PTRRecord p ? hostName(p.getTarget()) : null);
    }

    private <T> Answer<T> ask(String name, int type, Function<Record, T> value) {
        String question = name + " " + Type.string(type);
        Long failingUntil = failing.get(question);
        if (failingUntil != null) {
            if (System.nanoTime() - failingUntil < 0) {
                return Answer.none(Status.TEMP_FAILURE, question + ": failed less than " + FAILURE_CACHE.toSeconds() + " s ago");
            }
            failing.remove(question, failingUntil);
        }
        Answer<T> answer = lookUp(name, type, question, value);
        if (answer.status() == Status.TEMP_FAILURE) {
            if (failing.size() > 10_000) {
                failing.clear(); // a bound, not an eviction policy: the entries live 30 s anyway
            }
            failing.put(question, System.nanoTime() + FAILURE_CACHE.toNanos());
        }
        return answer;
    }

    private <T> Answer<T> lookUp(String name, int type, String question, Function<Record, T> value) {
        Lookup lookup;
        try {
            lookup = new Lookup(Name.fromString(name.endsWith(".") ? name : name + "."), type, DClass.IN);
        } catch (TextParseException e) {
            // an empty or over-long label: no such name can exist (RFC 7208 4.3)
            return Answer.none(Status.NO_DOMAIN, question + ": not a valid DNS name");
        }
        lookup.setResolver(resolver);
        lookup.setCache(cache);
        lookup.setSearchPath((List<Name>) null);
        lookup.setHostsFileParser(null);
        Record[] records = lookup.run();
        return switch (lookup.getResult()) {
            case Lookup.SUCCESSFUL -> {
                List<T> out = new ArrayList<>();
                long ttl = Long.MAX_VALUE;
                for (Record r : records) {
                    T v = value.apply(r);
                    if (v != null) {
                        out.add(v);
                        ttl = Math.min(ttl, r.getTTL());
                    }
                }
                yield Answer.found(out, out.isEmpty() ? 0 : ttl, question);
            }
            case Lookup.HOST_NOT_FOUND -> Answer.none(Status.NO_DOMAIN, question + ": no such domain");
            case Lookup.TYPE_NOT_FOUND -> Answer.none(Status.NO_RECORDS, question + ": no record");
            // TRY_AGAIN (time-out, SERVFAIL) and UNRECOVERABLE (REFUSED, FORMERR): the server failed us, not the name
            default -> Answer.none(Status.TEMP_FAILURE, question + ": " + lookup.getErrorString());
        };
    }

    private static String joined(TXTRecord txt) {
        StringBuilder sb = new StringBuilder();
        for (byte[] part : txt.getStringsAsByteArrays()) {
            sb.append(new String(part, StandardCharsets.ISO_8859_1));
        }
        return sb.toString();
    }

    private static String hostName(Name name) {
        return name.equals(Name.root) ? "" : name.toString(true).toLowerCase(Locale.ROOT);
    }
}
