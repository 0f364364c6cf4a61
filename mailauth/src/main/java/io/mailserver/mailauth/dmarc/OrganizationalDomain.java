package io.mailserver.mailauth.dmarc;

import com.google.common.net.InternetDomainName;
import java.util.Locale;

/**
 * RFC 7489 3.2: the organizational domain is the public suffix of a name plus one label. The public
 * suffix list is Guava's copy, maintained with each Guava release (both the ICANN and the private
 * sections, e.g. {@code co.uk} and {@code github.io}). A name under no listed suffix uses the list's
 * default rule {@code *}: its last label is the suffix.
 */
public final class OrganizationalDomain {
    private OrganizationalDomain() {
    }

    public static String of(String domain) {
        String d = normalize(domain);
        try {
            InternetDomainName name = InternetDomainName.from(d);
            if (name.isUnderPublicSuffix()) {
                return name.topPrivateDomain().toString();
            }
            if (name.isPublicSuffix()) {
                return d;
            }
        } catch (IllegalArgumentException | IllegalStateException notADomainName) {
            // fall through to the default rule
        }
        int last = d.lastIndexOf('.');
        if (last < 0) {
            return d;
        }
        int before = d.lastIndexOf('.', last - 1);
        return before < 0 ? d : d.substring(before + 1);
    }

    static String normalize(String domain) {
        String d = domain.toLowerCase(Locale.ROOT);
        return d.endsWith(".") ? d.substring(0, d.length() - 1) : d;
    }

    /** RFC 7489 3.1: relaxed alignment (same organizational domain) or strict (the same name). */
    public static boolean aligned(String authenticated, String from, boolean strict) {
        if (authenticated == null || authenticated.isEmpty()) {
            return false;
        }
        String a = normalize(authenticated);
        String f = normalize(from);
        return strict ? a.equals(f) : of(a).equals(of(f));
    }
}
