package io.mailserver.mailauth.dns;

/**
 * The DNS questions mail routing asks. Blocking: call it from a worker thread, never from a MINA
 * I/O processor (docs/design.md, contract 5). Implementations never throw for DNS outcomes; a failed
 * lookup is an answer with {@link DnsAnswer.Status#TEMP_FAILURE}.
 */
public interface DnsResolver {
    /** MX records of {@code domain} (host names lower case, no trailing dot; a null MX has host ""). */
    DnsAnswer<MxRecord> mx(String domain);

    /** A and AAAA records of {@code host}, IPv4 first. */
    DnsAnswer<java.net.InetAddress> addresses(String host);
}
