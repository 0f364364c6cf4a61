package io.mailserver.mailauth.dns;

import java.util.List;

/** The outcome of one DNS question: records, or why there are none. */
public record DnsAnswer<T>(Status status, List<T> records, String detail) {
    public enum Status {
        /** At least one record. */
        FOUND,
        /** The name exists but has no record of this type (NODATA). */
        NO_RECORDS,
        /** The name does not exist (NXDOMAIN). */
        NO_DOMAIN,
        /** Timeout, SERVFAIL or an unreachable resolver: ask again later. */
        TEMP_FAILURE
    }

    public static <T> DnsAnswer<T> found(List<T> records) {
        return new DnsAnswer<>(Status.FOUND, List.copyOf(records), "");
    }

    public static <T> DnsAnswer<T> none(Status status, String detail) {
        return new DnsAnswer<>(status, List.of(), detail);
    }

    public boolean isFound() {
        return status == Status.FOUND;
    }
}
