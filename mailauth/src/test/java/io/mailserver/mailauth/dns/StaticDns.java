package io.mailserver.mailauth.dns;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** A {@link DnsResolver} answering from maps, for unit tests of routing and policy. */
public final class StaticDns implements DnsResolver {
    private final Map<String, DnsAnswer<MxRecord>> mx = new ConcurrentHashMap<>();
    private final Map<String, DnsAnswer<InetAddress>> addresses = new ConcurrentHashMap<>();

    public StaticDns mx(String domain, Object... prefAndHost) {
        List<MxRecord> list = new ArrayList<>();
        for (int i = 0; i < prefAndHost.length; i += 2) {
            list.add(new MxRecord((Integer) prefAndHost[i], (String) prefAndHost[i + 1]));
        }
        mx.put(domain, DnsAnswer.found(list));
        return this;
    }

    public StaticDns mxStatus(String domain, DnsAnswer.Status status) {
        mx.put(domain, DnsAnswer.none(status, domain + " MX: " + status));
        return this;
    }

    public StaticDns a(String host, String... ips) {
        List<InetAddress> list = new ArrayList<>();
        for (String ip : ips) {
            try {
                list.add(InetAddress.getByAddress(host, InetAddress.getByName(ip).getAddress()));
            } catch (UnknownHostException e) {
                throw new IllegalArgumentException(e);
            }
        }
        addresses.put(host, DnsAnswer.found(list));
        return this;
    }

    public StaticDns aStatus(String host, DnsAnswer.Status status) {
        addresses.put(host, DnsAnswer.none(status, host + " A: " + status));
        return this;
    }

    @Override
    public DnsAnswer<MxRecord> mx(String domain) {
        return mx.getOrDefault(domain, DnsAnswer.none(DnsAnswer.Status.NO_DOMAIN, domain + " MX: NXDOMAIN"));
    }

    @Override
    public DnsAnswer<InetAddress> addresses(String host) {
        DnsAnswer<InetAddress> a = addresses.get(host);
        if (a != null) {
            return a;
        }
        return mx.containsKey(host) ? DnsAnswer.none(DnsAnswer.Status.NO_RECORDS, host + " A: NODATA")
                : DnsAnswer.none(DnsAnswer.Status.NO_DOMAIN, host + " A: NXDOMAIN");
    }
}
