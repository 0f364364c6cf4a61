package io.mailserver.relay;

import io.mailserver.config.HostPort;
import io.mailserver.mailauth.dns.DnsAnswer;
import io.mailserver.mailauth.dns.DnsResolver;
import io.mailserver.mailauth.dns.MxRecord;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Random;

/**
 * Decides where a recipient domain's mail goes. Order: a per-domain route (relay.routes), then the
 * smarthost (relay.smarthost), then the domain's MX records. A route or smarthost names a host,
 * not a domain: its address records are used, never its MX.
 */
public final class Router {
    /** At most this many addresses are tried in one delivery attempt (Postfix: smtp_mx_address_limit = 5). */
    static final int MAX_ADDRESSES = 5;

    private final Map<String, HostPort> routes;
    private final Optional<HostPort> smarthost;
    private final RelayTlsPolicy smarthostTls;
    private final Optional<Destination.Credentials> smarthostCredentials;
    private final DnsResolver dns;
    private final String myHostname;
    private final int mxPort;
    private final Random random;

    public Router(Map<String, HostPort> routes, Optional<HostPort> smarthost, RelayTlsPolicy smarthostTls,
                  Optional<Destination.Credentials> smarthostCredentials, DnsResolver dns, String myHostname, int mxPort, Random random) {
        this.routes = Map.copyOf(routes);
        this.smarthost = smarthost;
        this.smarthostTls = smarthostTls;
        this.smarthostCredentials = smarthostCredentials;
        this.dns = dns;
        this.myHostname = myHostname.toLowerCase(Locale.ROOT);
        this.mxPort = mxPort;
        this.random = random;
    }

    /** The destination of a recipient domain (lower case, as {@link io.mailserver.store.MailAddress#normalizedDomain()}); no DNS. */
    public Destination destinationFor(String domain) {
        HostPort route = routes.get(domain);
        if (route != null) {
            return new Destination(Destination.Kind.ROUTE, "route:" + route, domain, Optional.of(route), RelayTlsPolicy.OPPORTUNISTIC, Optional.empty());
        }
        if (domain.startsWith("[")) {
            String literal = domain.substring(1, domain.length() - 1);
            if (literal.regionMatches(true, 0, "IPv6:", 0, 5)) {
                literal = literal.substring(5);
            }
            HostPort target = new HostPort(literal, mxPort);
            return new Destination(Destination.Kind.LITERAL, "literal:" + target, domain, Optional.of(target), RelayTlsPolicy.OPPORTUNISTIC,
                    Optional.empty());
        }
        if (smarthost.isPresent()) {
            return new Destination(Destination.Kind.SMARTHOST, "smarthost:" + smarthost.get(), domain, smarthost, smarthostTls,
                    smarthostCredentials);
        }
        return new Destination(Destination.Kind.MX, domain, domain, Optional.empty(), RelayTlsPolicy.OPPORTUNISTIC, Optional.empty());
    }

    /** Looks up the hops of a destination (DNS: blocking). */
    public RouteResult resolve(Destination destination) {
        if (destination.kind() != Destination.Kind.MX) {
            HostPort target = destination.host().orElseThrow();
            return resolveHost(target.host(), target.port());
        }
        return resolveMx(destination.domain());
    }

    private RouteResult resolveHost(String host, int port) {
        if (isIpLiteral(host)) {
            try {
                return new RouteResult.Hops(List.of(new Hop(host, InetAddress.getByName(host), port)));
            } catch (UnknownHostException e) {
                return new RouteResult.NoRoute(true, "5.1.2", "bad address literal " + host);
            }
        }
        DnsAnswer<InetAddress> a = dns.addresses(host);
        return switch (a.status()) {
            case FOUND -> new RouteResult.Hops(a.records().stream().limit(MAX_ADDRESSES).map(ip -> new Hop(host, ip, port)).toList());
            case TEMP_FAILURE -> new RouteResult.NoRoute(false, "4.4.3", "Host or domain name lookup failed: " + a.detail());
            // a configured next hop that does not resolve is an operator's mistake: keep the mail until it is fixed
            default -> new RouteResult.NoRoute(false, "4.4.4", "Host not found: " + a.detail());
        };
    }

    private RouteResult resolveMx(String domain) {
        DnsAnswer<MxRecord> mx = dns.mx(domain);
        List<MxRecord> hosts;
        boolean implicit = false;
        switch (mx.status()) {
            case TEMP_FAILURE:
                return new RouteResult.NoRoute(false, "4.4.3", "Host or domain name lookup failed: " + mx.detail());
            case NO_DOMAIN:
                return new RouteResult.NoRoute(true, "5.1.2", "Host or domain name not found: " + domain);
            case NO_RECORDS:
                // RFC 5321 5.1: no MX records: the domain itself is the implicit MX, preference 0
                hosts = List.of(new MxRecord(0, domain));
                implicit = true;
                break;
            case FOUND:
            default:
                if (mx.records().stream().allMatch(MxRecord::isNullMx)) {
                    // RFC 7505 3: a null MX says the domain accepts no mail; fail at once with 5.1.10
                    return new RouteResult.NoRoute(true, "5.1.10", "Recipient address has null MX: " + domain);
                }
                hosts = ordered(mx.records().stream().filter(r -> !r.isNullMx()).toList());
                break;
        }
        hosts = withoutMyselfAndWorse(hosts);
        if (hosts.isEmpty()) {
            // RFC 5321 5.1: the client found itself as the best MX: this is a configuration error
            return new RouteResult.NoRoute(true, "5.4.6", "mail for " + domain + " loops back to myself");
        }
        List<Hop> hops = new ArrayList<>();
        boolean tempFailure = false;
        String lastDetail = "";
        for (MxRecord host : hosts) {
            if (hops.size() >= MAX_ADDRESSES) {
                break;
            }
            DnsAnswer<InetAddress> a = dns.addresses(host.host());
            if (a.isFound()) {
                for (InetAddress ip : a.records()) {
                    if (hops.size() < MAX_ADDRESSES) {
                        hops.add(new Hop(host.host(), ip, mxPort));
                    }
                }
            } else {
                tempFailure |= a.status() == DnsAnswer.Status.TEMP_FAILURE;
                lastDetail = a.detail();
            }
        }
        if (!hops.isEmpty()) {
            return new RouteResult.Hops(hops);
        }
        if (tempFailure) {
            return new RouteResult.NoRoute(false, "4.4.3", "Host or domain name lookup failed: " + lastDetail);
        }
        return implicit
                ? new RouteResult.NoRoute(true, "5.1.2", "Host or domain name not found: no MX or address record for " + domain)
                : new RouteResult.NoRoute(true, "5.4.4", "Unable to route: no address for the MX hosts of " + domain + " (" + lastDetail + ")");
    }

    /** By preference; equal preferences in random order (RFC 5321 5.1: spread the load). */
    private List<MxRecord> ordered(List<MxRecord> records) {
        List<MxRecord> shuffled = new ArrayList<>(records);
        Collections.shuffle(shuffled, random);
        shuffled.sort(Comparator.comparingInt(MxRecord::preference));
        return shuffled;
    }

    /** RFC 5321 5.1: if this host is an MX, it must not try itself nor any MX of equal or worse preference. */
    private List<MxRecord> withoutMyselfAndWorse(List<MxRecord> hosts) {
        for (MxRecord r : hosts) {
            if (r.host().equals(myHostname)) {
                int mine = r.preference();
                return hosts.stream().filter(h -> h.preference() < mine).toList();
            }
        }
        return hosts;
    }

    /** True for an IPv4 or IPv6 address written as text. */
    public static boolean isIpLiteral(String host) {
        return host.matches("[0-9.]+") || host.contains(":");
    }
}
