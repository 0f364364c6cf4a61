package io.mailserver.mailauth.dns;

import java.util.List;

/**
 * What a TXT lookup gave. The outcomes stay distinct because the RFCs treat them differently: a name
 * that does not exist is a permanent answer (DKIM: no key, permerror; SPF: a void lookup), a resolver
 * that did not answer is temporary (temperror), and a name that cannot even be asked (bad syntax,
 * too long) is a permanent failure.
 *
 * @param records each TXT record as the concatenation of its character-strings (RFC 7208 3.3, RFC 6376
 *     3.6.2.2); empty with {@link Outcome#FOUND} when the name exists but has no TXT record (NODATA)
 * @param detail for logs: the name, and what the resolver said when it failed
 */
public record TxtAnswer(Outcome outcome, List<String> records, String detail) {
    public enum Outcome { FOUND, NXDOMAIN, TEMPORARY_FAILURE, PERMANENT_FAILURE }

    public TxtAnswer {
        records = List.copyOf(records);
    }

    public static TxtAnswer found(List<String> records, String detail) {
        return new TxtAnswer(Outcome.FOUND, records, detail);
    }

    public static TxtAnswer failed(Outcome outcome, String detail) {
        if (outcome == Outcome.FOUND) {
            throw new IllegalArgumentException("a failure needs a failure outcome");
        }
        return new TxtAnswer(outcome, List.of(), detail);
    }

    /** RFC 7208 4.6.4: NXDOMAIN, or a name with no TXT record at all. */
    public boolean isVoid() {
        return outcome == Outcome.NXDOMAIN || (outcome == Outcome.FOUND && records.isEmpty());
    }
}
