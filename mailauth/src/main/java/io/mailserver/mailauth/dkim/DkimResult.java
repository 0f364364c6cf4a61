package io.mailserver.mailauth.dkim;

import java.util.Locale;

/**
 * The verdict on one DKIM-Signature field, for DMARC (which needs {@code d=} and whether it passed) and for
 * Authentication-Results (RFC 8601 2.7.1: {@code dkim=<result> (reason) header.d= header.s= header.a= header.b=}).
 *
 * @param domain the {@code d=} value in lower case, or "" when the field had none readable
 * @param selector the {@code s=} value, or ""
 * @param algorithm the {@code a=} value as written, or ""
 * @param identity the {@code i=} value, or "@" + domain when absent (RFC 6376 3.5)
 * @param signaturePrefix the first 12 characters of {@code b=}, for {@code header.b} (RFC 6008)
 */
public record DkimResult(Result result, String reason, String domain, String selector, String algorithm,
                         String identity, String signaturePrefix) {
    /** RFC 8601 2.7.1 (policy is not used: this library applies none). */
    public enum Result {
        PASS, FAIL, NEUTRAL, TEMPERROR, PERMERROR;

        /** The keyword Authentication-Results uses. */
        public String keyword() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    public boolean passed() {
        return result == Result.PASS;
    }

    @Override
    public String toString() {
        return "dkim=" + result.keyword() + " (" + reason + ") header.d=" + domain + " header.s=" + selector
                + " header.a=" + algorithm;
    }
}
