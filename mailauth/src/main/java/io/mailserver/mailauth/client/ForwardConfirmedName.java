package io.mailserver.mailauth.client;

import io.mailserver.mailauth.spf.SpfDns;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The client's forward-confirmed reverse DNS name (FCrDNS, as Postfix's smtpd finds it for the Received
 * header): a name from the address's PTR records whose own A or AAAA records include the address. At most
 * 10 PTR names are tried (as SPF's limit, RFC 7208 4.6.4). The resolver caches every answer for its TTL,
 * so a client that comes back costs no queries. Blocking: DNS.
 */
public final class ForwardConfirmedName {
    private static final int MAX_NAMES = 10;
    private static final Pattern HOST_NAME = Pattern.compile("[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?(\\.[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?)*");

    private final SpfDns dns;

    public ForwardConfirmedName(SpfDns dns) {
        this.dns = dns;
    }

    /** The confirmed name, or empty when there is none (or DNS failed). */
    public Optional<String> of(InetAddress client) {
        List<String> names = dns.ptr(client).values();
        for (int i = 0; i < names.size() && i < MAX_NAMES; i++) {
            String name = names.get(i);
            if (!HOST_NAME.matcher(name).matches()) {
                continue; // it goes into a header: only plain host names
            }
            SpfDns.Answer<InetAddress> forward = client instanceof Inet4Address ? dns.a(name) : dns.aaaa(name);
            if (forward.values().contains(client)) {
                return Optional.of(name);
            }
        }
        return Optional.empty();
    }
}
