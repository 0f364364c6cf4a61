package io.mailserver.mailauth.spf;

import java.net.InetAddress;
import java.util.List;

/**
 * The DNS questions SPF asks (RFC 7208 4.6.4, 5): TXT, A, AAAA, MX and PTR. The DMARC record, DNS
 * blocklists and the forward-confirmed reverse name use the same questions. Implementations never throw
 * for DNS trouble: every outcome is an {@link Answer}, and a name that cannot be asked (an empty or
 * over-long label) is answered as non-existent.
 */
public interface SpfDns {
    /** How a lookup ended; SPF tells the first three apart from {@link #TEMP_FAILURE} (RFC 7208 2.6.6). */
    enum Status { FOUND, NO_DOMAIN, NO_RECORDS, TEMP_FAILURE }

    /**
     * @param values the records found (never empty with {@link Status#FOUND})
     * @param ttlSeconds the smallest TTL of the answer (for callers that cache derived results)
     * @param detail for logs: the question, and what went wrong
     */
    record Answer<T>(Status status, List<T> values, long ttlSeconds, String detail) {
        public Answer {
            values = List.copyOf(values);
            if (status == Status.FOUND && values.isEmpty()) {
                status = Status.NO_RECORDS;
            }
        }

        public static <T> Answer<T> found(List<T> values, long ttlSeconds, String detail) {
            return new Answer<>(Status.FOUND, values, ttlSeconds, detail);
        }

        public static <T> Answer<T> none(Status status, String detail) {
            return new Answer<>(status, List.of(), 0, detail);
        }

        public boolean isTemporaryFailure() {
            return status == Status.TEMP_FAILURE;
        }

        /** RFC 7208 4.6.4: NXDOMAIN or an answer with no records counts toward the void-lookup limit. */
        public boolean isVoid() {
            return status == Status.NO_DOMAIN || status == Status.NO_RECORDS;
        }
    }

    /**
     * Each TXT record as its character-strings joined without separator (RFC 7208 3.3), the octets read as
     * ISO-8859-1 so that a non-ASCII octet stays visible as a character above 0x7f.
     */
    Answer<String> txt(String name);

    Answer<InetAddress> a(String name);

    Answer<InetAddress> aaaa(String name);

    /** The exchange host names of the MX records, lower case, without the trailing dot, in any order. */
    Answer<String> mx(String name);

    /** The names the PTR records of this address point to, lower case, without the trailing dot. */
    Answer<String> ptr(InetAddress address);
}
