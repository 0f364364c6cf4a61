package io.mailserver.mailauth.results;

import io.mailserver.mailauth.dmarc.DmarcVerdict;
import io.mailserver.mailauth.spf.SpfVerdict;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The one {@code Authentication-Results} header field (RFC 8601) this server puts at the top of a message
 * it accepts, one result per line:
 * <pre>
 * Authentication-Results: mx.example.test;
 *         spf=pass smtp.mailfrom=alice@example.org;
 *         dkim=pass header.d=example.org header.s=sel1 header.i=@example.org;
 *         dmarc=pass (p=reject) header.from=example.org
 * </pre>
 */
public final class AuthenticationResults {
    private static final int MAX_COMMENT = 120;

    private AuthenticationResults() {
    }

    /**
     * @param authservId this server's host name (RFC 8601 2.5)
     * @param dkim one result per signature; empty means the message had none ({@code dkim=none})
     * @param dmarc the DMARC verdict, or null when DMARC was not evaluated
     */
    public static byte[] render(String authservId, SpfVerdict spf, List<DkimResult> dkim, DmarcVerdict dmarc) {
        StringBuilder sb = new StringBuilder("Authentication-Results: ").append(authservId);
        if (spf != null) {
            sb.append(";\r\n\tspf=").append(spf.result().keyword()).append(comment(spf.reason()));
            if (spf.identity().equals("helo")) {
                sb.append(" smtp.helo=").append(value(spf.domain()));
            } else {
                sb.append(" smtp.mailfrom=").append(value(spf.sender()));
            }
        }
        if (dkim.isEmpty()) {
            sb.append(";\r\n\tdkim=none");
        }
        for (DkimResult d : dkim) {
            sb.append(";\r\n\tdkim=").append(d.result()).append(comment(d.reason()));
            if (d.domain() != null) {
                sb.append(" header.d=").append(value(d.domain()));
            }
            if (d.selector() != null) {
                sb.append(" header.s=").append(value(d.selector()));
            }
            if (d.identity() != null) {
                sb.append(" header.i=").append(value(d.identity()));
            }
        }
        if (dmarc != null) {
            sb.append(";\r\n\tdmarc=").append(dmarc.result());
            String about = dmarc.policy() == null ? dmarc.reason() : "p=" + dmarc.policy().keyword() + "; " + dmarc.reason();
            sb.append(comment(about));
            if (dmarc.fromDomain() != null) {
                sb.append(" header.from=").append(value(dmarc.fromDomain()));
            }
        }
        sb.append("\r\n");
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** A comment (RFC 5322 3.2.2) made safe: no control characters, parentheses and backslashes escaped, bounded. */
    static String comment(String text) {
        if (text == null || text.isBlank()) {
            return "";
        }
        StringBuilder sb = new StringBuilder(" (");
        int n = 0;
        for (int i = 0; i < text.length() && n < MAX_COMMENT; i++, n++) {
            char c = text.charAt(i);
            if (c < 0x20 || c == 0x7f) {
                sb.append(' ');
            } else if (c == '(' || c == ')' || c == '\\') {
                sb.append('\\').append(c);
            } else {
                sb.append(c);
            }
        }
        return sb.append(n == MAX_COMMENT && text.length() > MAX_COMMENT ? "...)" : ")").toString();
    }

    /** A property value (RFC 8601 2.2 pvalue): as is when it is an address or token, else a quoted-string. */
    static String value(String v) {
        if (!v.isEmpty() && v.chars().allMatch(c -> c > 0x20 && c < 0x7f && "()<>,;:\\\"[]".indexOf(c) < 0)) {
            return v;
        }
        StringBuilder sb = new StringBuilder("\"");
        for (char c : v.toCharArray()) {
            if (c == '"' || c == '\\') {
                sb.append('\\');
            }
            sb.append(c < 0x20 || c == 0x7f ? ' ' : c);
        }
        return sb.append('"').toString();
    }
}
