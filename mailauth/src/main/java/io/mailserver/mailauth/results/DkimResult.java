package io.mailserver.mailauth.results;

import java.util.Locale;
import java.util.Set;

/**
 * The verification result of one DKIM signature, as DMARC and Authentication-Results need it: the DKIM
 * verifier produces one per {@code DKIM-Signature} header field.
 *
 * @param result an RFC 8601 2.7.1 keyword: pass, fail, neutral, policy, temperror, permerror
 * @param domain the signature's {@code d=} (null when the signature could not be parsed that far)
 * @param selector the signature's {@code s=}, or null
 * @param identity the signature's {@code i=}, or null
 * @param reason a short text for the header comment and logs, or null
 */
public record DkimResult(String result, String domain, String selector, String identity, String reason) {
    private static final Set<String> KEYWORDS = Set.of("pass", "fail", "neutral", "policy", "temperror", "permerror");

    public DkimResult {
        result = result.toLowerCase(Locale.ROOT);
        if (!KEYWORDS.contains(result)) {
            throw new IllegalArgumentException("not a DKIM result keyword: " + result);
        }
    }

    public boolean isPass() {
        return result.equals("pass");
    }
}
