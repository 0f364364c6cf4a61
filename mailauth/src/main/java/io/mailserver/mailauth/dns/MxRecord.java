package io.mailserver.mailauth.dns;

/** One MX record: preference and exchange host (lower case, no trailing dot; "" for a null MX, RFC 7505). */
public record MxRecord(int preference, String host) {
    public boolean isNullMx() {
        return host.isEmpty();
    }
}
