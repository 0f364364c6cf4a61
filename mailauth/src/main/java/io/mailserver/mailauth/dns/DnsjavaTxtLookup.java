package io.mailserver.mailauth.dns;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.xbill.DNS.Cache;
import org.xbill.DNS.DClass;
import org.xbill.DNS.ExtendedResolver;
import org.xbill.DNS.Lookup;
import org.xbill.DNS.Name;
import org.xbill.DNS.Record;
import org.xbill.DNS.Resolver;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.TXTRecord;
import org.xbill.DNS.TextParseException;
import org.xbill.DNS.Type;

/**
 * {@link TxtLookup} on dnsjava: one configured server, or the system's resolvers. Answers (and negative
 * answers) are cached for their TTL; names are absolute, so no search domain is ever appended.
 * Blocking: call it off the I/O threads (docs/design.md, contract 5).
 */
public final class DnsjavaTxtLookup implements TxtLookup {
    private static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(5);

    private final Resolver resolver;
    private final Cache cache = new Cache(DClass.IN);

    private DnsjavaTxtLookup(Resolver resolver) {
        this.resolver = resolver;
        cache.setMaxEntries(10_000);
    }

    /** Exactly one server (the {@code dns.resolver} setting, or a test's loopback server). */
    public static DnsjavaTxtLookup forServer(String host, int port, Duration timeout) {
        SimpleResolver r = new SimpleResolver(new InetSocketAddress(host, port));
        r.setTimeout(timeout);
        return new DnsjavaTxtLookup(r);
    }

    /** The resolvers of the operating system (resolv.conf). */
    public static DnsjavaTxtLookup system() {
        ExtendedResolver r = new ExtendedResolver();
        r.setTimeout(DEFAULT_TIMEOUT);
        return new DnsjavaTxtLookup(r);
    }

    @Override
    public TxtAnswer txt(String name) {
        Lookup lookup;
        try {
            lookup = new Lookup(Name.fromString(name.endsWith(".") ? name : name + "."), Type.TXT, DClass.IN);
        } catch (TextParseException e) {
            return TxtAnswer.failed(TxtAnswer.Outcome.PERMANENT_FAILURE, name + " TXT: not a valid DNS name (" + e.getMessage() + ")");
        }
        lookup.setResolver(resolver);
        lookup.setCache(cache);
        lookup.setSearchPath((List<Name>) null);
        lookup.setHostsFileParser(null);
        Record[] answer = lookup.run();
        return switch (lookup.getResult()) {
            case Lookup.SUCCESSFUL -> TxtAnswer.found(texts(answer), name + " TXT");
            case Lookup.TYPE_NOT_FOUND -> TxtAnswer.found(List.of(), name + " TXT: no TXT record");
            case Lookup.HOST_NOT_FOUND -> TxtAnswer.failed(TxtAnswer.Outcome.NXDOMAIN, name + " TXT: no such domain");
            // TRY_AGAIN (time-out, SERVFAIL) and UNRECOVERABLE (REFUSED, FORMERR): the server failed us,
            // not the name; asking again later may work (RFC 7208 5 and RFC 6376 6.1.2 both say temperror)
            default -> TxtAnswer.failed(TxtAnswer.Outcome.TEMPORARY_FAILURE, name + " TXT: " + lookup.getErrorString());
        };
    }

    private static List<String> texts(Record[] answer) {
        List<String> out = new ArrayList<>();
        for (Record r : answer) {
            if (r instanceof TXTRecord txt) {
                StringBuilder joined = new StringBuilder();
                for (byte[] part : txt.getStringsAsByteArrays()) {
                    joined.append(new String(part, StandardCharsets.UTF_8));
                }
                out.add(joined.toString());
            }
        }
        return out;
    }
}
