package io.mailserver.mailauth.dns;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.xbill.DNS.AAAARecord;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.Cache;
import org.xbill.DNS.DClass;
import org.xbill.DNS.ExtendedResolver;
import org.xbill.DNS.Lookup;
import org.xbill.DNS.MXRecord;
import org.xbill.DNS.Name;
import org.xbill.DNS.Record;
import org.xbill.DNS.Resolver;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.TextParseException;
import org.xbill.DNS.Type;

/**
 * {@link DnsResolver} on dnsjava: the system's resolvers, or one configured server
 * ({@code dns.resolver}). Answers are cached for their TTL; names are always absolute, so no
 * search domain is ever appended to a mail domain.
 */
public final class DnsjavaResolver implements DnsResolver {
    private static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(5);

    private final Resolver resolver;
    private final Cache cache;
    private final boolean useHostsFile;

    private DnsjavaResolver(Resolver resolver, boolean useHostsFile) {
        this.resolver = resolver;
        this.cache = new Cache(DClass.IN);
        this.cache.setMaxEntries(10_000);
        this.useHostsFile = useHostsFile;
    }

    /** The configured server ({@code host}, {@code port}), or the system's resolvers when empty. */
    public static DnsjavaResolver create(Optional<InetSocketAddress> server) {
        return server.map(s -> forServer(s, DEFAULT_TIMEOUT)).orElseGet(DnsjavaResolver::system);
    }

    /** The resolvers of the operating system (resolv.conf), and the hosts file for addresses. */
    public static DnsjavaResolver system() {
        ExtendedResolver r = new ExtendedResolver();
        r.setTimeout(DEFAULT_TIMEOUT);
        return new DnsjavaResolver(r, true);
    }

    /** Exactly one server, e.g. a local validating resolver, or a fake one in tests. No hosts file. */
    public static DnsjavaResolver forServer(InetSocketAddress server, Duration timeout) {
        SimpleResolver r = new SimpleResolver(server);
        r.setTimeout(timeout);
        return new DnsjavaResolver(r, false);
    }

    @Override
    public DnsAnswer<MxRecord> mx(String domain) {
        Lookup lookup;
        try {
            lookup = lookup(domain, Type.MX);
        } catch (TextParseException e) {
            return DnsAnswer.none(DnsAnswer.Status.NO_DOMAIN, "bad domain name " + domain);
        }
        Record[] records = lookup.run();
        DnsAnswer.Status status = status(lookup.getResult());
        if (status != DnsAnswer.Status.FOUND) {
            return DnsAnswer.none(status, domain + " MX: " + lookup.getErrorString());
        }
        List<MxRecord> out = new ArrayList<>();
        for (Record r : records) {
            if (r instanceof MXRecord mx) {
                out.add(new MxRecord(mx.getPriority(), hostName(mx.getTarget())));
            }
        }
        return out.isEmpty() ? DnsAnswer.none(DnsAnswer.Status.NO_RECORDS, domain + " MX: no records") : DnsAnswer.found(out);
    }

    @Override
    public DnsAnswer<InetAddress> addresses(String host) {
        List<InetAddress> out = new ArrayList<>();
        DnsAnswer.Status worst = null;
        String detail = "";
        for (int type : new int[] {Type.A, Type.AAAA}) {
            Lookup lookup;
            try {
                lookup = lookup(host, type);
            } catch (TextParseException e) {
                return DnsAnswer.none(DnsAnswer.Status.NO_DOMAIN, "bad host name " + host);
            }
            Record[] records = lookup.run();
            DnsAnswer.Status status = status(lookup.getResult());
            if (status == DnsAnswer.Status.FOUND) {
                for (Record r : records) {
                    if (r instanceof ARecord a) {
                        out.add(withName(host, a.getAddress()));
                    } else if (r instanceof AAAARecord aaaa) {
                        out.add(withName(host, aaaa.getAddress()));
                    }
                }
            } else if (worst == null || rank(status) > rank(worst)) {
                worst = status;
                detail = host + " " + Type.string(type) + ": " + lookup.getErrorString();
            }
        }
        if (!out.isEmpty()) {
            return DnsAnswer.found(out);
        }
        return DnsAnswer.none(worst == null ? DnsAnswer.Status.NO_RECORDS : worst, detail);
    }

    /** Which failure to report when A and AAAA disagree: a temporary one wins, then NXDOMAIN. */
    private static int rank(DnsAnswer.Status s) {
        return switch (s) {
            case TEMP_FAILURE -> 3;
            case NO_DOMAIN -> 2;
            case NO_RECORDS -> 1;
            case FOUND -> 0;
        };
    }

    private Lookup lookup(String name, int type) throws TextParseException {
        String absolute = name.endsWith(".") ? name : name + ".";
        Lookup lookup = new Lookup(Name.fromString(absolute), type, DClass.IN);
        lookup.setResolver(resolver);
        lookup.setCache(cache);
        lookup.setSearchPath((List<Name>) null);
        if (!useHostsFile) {
            lookup.setHostsFileParser(null);
        }
        return lookup;
    }

    private static DnsAnswer.Status status(int lookupResult) {
        return switch (lookupResult) {
            case Lookup.SUCCESSFUL -> DnsAnswer.Status.FOUND;
            case Lookup.HOST_NOT_FOUND -> DnsAnswer.Status.NO_DOMAIN;
            case Lookup.TYPE_NOT_FOUND -> DnsAnswer.Status.NO_RECORDS;
            // TRY_AGAIN (timeout, SERVFAIL) and UNRECOVERABLE (REFUSED, FORMERR): never a reason to bounce mail
            default -> DnsAnswer.Status.TEMP_FAILURE;
        };
    }

    private static String hostName(Name name) {
        String s = name.toString(true).toLowerCase(Locale.ROOT);
        return name.equals(Name.root) ? "" : s;
    }

    private static InetAddress withName(String host, InetAddress address) {
        try {
            return InetAddress.getByAddress(host, address.getAddress());
        } catch (UnknownHostException e) {
            return address;
        }
    }
}
