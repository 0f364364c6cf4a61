package io.mailserver.mailauth.client;

import io.mailserver.mailauth.spf.SpfDns;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.List;
import java.util.Optional;

/**
 * DNS blocklists (RFC 5782): a client address is listed in a zone when {@code <reversed address>.<zone>}
 * has an A record in 127.0.0.0/8; the TXT record of the same name says why. IPv4 is reversed by octets
 * ({@code 192.0.2.1} → {@code 1.2.0.192.zone}), IPv6 by nibbles (RFC 5782 2.4). Answers in
 * 127.255.255.0/24 are the list's error codes (e.g. a query through a public resolver the list refuses),
 * not listings, and a lookup that fails is no listing either: a broken list never blocks mail.
 */
public final class Dnsbl {
    /** A listing: the zone, and the list's text (its TXT record, or a plain sentence when it has none). */
    public record Listing(String zone, String text) {
    }

    private final SpfDns dns;
    private final List<String> zones;

    public Dnsbl(SpfDns dns, List<String> zones) {
        this.dns = dns;
        this.zones = List.copyOf(zones);
    }

    public boolean isEmpty() {
        return zones.isEmpty();
    }

    /** The first zone that lists the address, in the configured order. Blocking: DNS. */
    public Optional<Listing> check(InetAddress client) {
        String reversed = reversed(client);
        for (String zone : zones) {
            String name = reversed + "." + zone;
            SpfDns.Answer<InetAddress> a = dns.a(name);
            if (a.values().stream().anyMatch(Dnsbl::isListingCode)) {
                SpfDns.Answer<String> txt = dns.txt(name);
                String text = txt.values().isEmpty() ? "listed at " + zone : String.join(" ", txt.values());
                return Optional.of(new Listing(zone, text));
            }
        }
        return Optional.empty();
    }

    private static boolean isListingCode(InetAddress a) {
        byte[] b = a.getAddress();
        return a instanceof Inet4Address && b[0] == 127 && !(b[1] == (byte) 255 && b[2] == (byte) 255);
    }

    /** The query name of an address without the zone: octets (IPv4) or nibbles (IPv6), least significant first. */
    public static String reversed(InetAddress address) {
        byte[] b = address.getAddress();
        StringBuilder sb = new StringBuilder();
        for (int i = b.length - 1; i >= 0; i--) {
            if (sb.length() > 0) {
                sb.append('.');
            }
            if (b.length == 4) {
                sb.append(b[i] & 0xff);
            } else {
                sb.append(Character.forDigit(b[i] & 0xf, 16)).append('.').append(Character.forDigit((b[i] >> 4) & 0xf, 16));
            }
        }
        return sb.toString();
    }
}
