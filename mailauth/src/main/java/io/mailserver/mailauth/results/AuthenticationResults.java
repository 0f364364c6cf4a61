package io.mailserver.mailauth.results;

import io.mailserver.mailauth.dmarc.DmarcVerdict;
import io.mailserver.mailauth.spf.SpfVerdict;
import java.util.List;

/**
 * The one {@code Authentication-Results} header field (RFC 8601) this server puts at the top of a message
 * it accepts, one result per line (returned without the final CRLF), and the reading of the authserv-id of
 * incoming ones:
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
     * @return the field, folded with CRLF TAB, without a final CRLF
     */
    public static String render(String authservId, SpfVerdict spf, List<DkimResult> dkim, DmarcVerdict dmarc) {
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
        return sb.toString();
    }

    /**
     * The authserv-id at the start of an Authentication-Results value (RFC 8601 2.2: [CFWS] value, a token or
     * quoted-string), or null while it is not complete yet (and, once the field is complete, if there is none).
     */
    public static String authservId(String v, boolean complete) {
        int i = 0;
        int n = v.length();
        while (i < n) {
            char c = v.charAt(i);
            if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
                i++;
            } else if (c == '(') {
                int depth = 0;
                for (; i < n; i++) {
                    char d = v.charAt(i);
                    if (d == '\\') {
                        i++;
                    } else if (d == '(') {
                        depth++;
                    } else if (d == ')' && --depth == 0) {
                        break;
                    }
                }
                if (i >= n) {
                    return null;
                }
                i++;
            } else {
                break;
            }
        }
        if (i >= n) {
            return null;
        }
        if (v.charAt(i) == '"') {
            StringBuilder sb = new StringBuilder();
            for (int j = i + 1; j < n; j++) {
                char c = v.charAt(j);
                if (c == '\\' && j + 1 < n) {
                    sb.append(v.charAt(++j));
                } else if (c == '"') {
                    return sb.toString();
                } else {
                    sb.append(c);
                }
            }
            return null;
        }
        int j = i;
        while (j < n && " \t\r\n;(".indexOf(v.charAt(j)) < 0) {
            j++;
        }
        return j < n || complete ? v.substring(i, j) : null;
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
