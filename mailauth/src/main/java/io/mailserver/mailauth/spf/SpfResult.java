package io.mailserver.mailauth.spf;

import java.util.Locale;

/** The seven results of check_host() (RFC 7208 2.6), written in lower case in headers. */
public enum SpfResult {
    NONE, NEUTRAL, PASS, FAIL, SOFTFAIL, TEMPERROR, PERMERROR;

    /** As in Authentication-Results and Received-SPF: {@code pass}, {@code softfail}, ... */
    public String keyword() {
        return name().toLowerCase(Locale.ROOT);
    }
}
