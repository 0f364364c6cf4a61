package io.mailserver.web;

import java.time.Duration;

/**
 * The MTA-STS policy file (RFC 8461 3.2) of a local domain: senders that support MTA-STS then deliver to it only
 * over TLS with a valid certificate for the listed MX. The MX is this server's host name, which is what the
 * domain's MX record must name.
 */
final class MtaStsPolicy {
    private MtaStsPolicy() {}

    static String render(String mode, String mxHost, Duration maxAge) {
        // RFC 8461 3.2: key/value lines ended by CRLF
        return "version: STSv1\r\n"
                + "mode: " + mode + "\r\n"
                + "mx: " + mxHost + "\r\n"
                + "max_age: " + maxAge.toSeconds() + "\r\n";
    }
}
