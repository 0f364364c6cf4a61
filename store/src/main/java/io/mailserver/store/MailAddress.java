package io.mailserver.store;

import java.util.Locale;

/**
 * An RFC 5321 {@code Mailbox}: {@code Local-part "@" ( Domain / address-literal )}.
 *
 * <p>The local part keeps its spelling (quoted strings included) in {@link #localPart()}; {@link #key()}
 * is the lookup form used by the store: the local part and the domain in lower case, a trailing dot
 * of the domain removed. Users and aliases are found by that key, so {@code Alice@Example.TEST.}
 * and {@code alice@example.test} are one mailbox.
 */
public record MailAddress(String localPart, String domain) {

    /** Parses a bare mailbox (no angle brackets, no source route). Throws {@link IllegalArgumentException} with the reason. */
    public static MailAddress parse(String text) {
        if (text == null || text.isEmpty()) {
            throw new IllegalArgumentException("empty address");
        }
        int at = localPartEnd(text);
        if (at >= text.length() || text.charAt(at) != '@') {
            throw new IllegalArgumentException("missing @domain");
        }
        String local = text.substring(0, at);
        String domain = text.substring(at + 1);
        if (local.length() > 64) {
            throw new IllegalArgumentException("local part longer than 64 octets");
        }
        checkDomainOrLiteral(domain);
        return new MailAddress(local, domain);
    }

    /** Returns the index just past a syntactically valid local part (dot-string or quoted-string). */
    private static int localPartEnd(String s) {
        int i = 0;
        if (s.charAt(0) == '"') {
            i = 1;
            while (i < s.length()) {
                char c = s.charAt(i);
                if (c == '"') {
                    if (i == 1) {
                        throw new IllegalArgumentException("empty quoted local part");
                    }
                    return i + 1;
                }
                if (c == '\\') {
                    if (i + 1 >= s.length() || s.charAt(i + 1) < 32 || s.charAt(i + 1) > 126) {
                        throw new IllegalArgumentException("bad quoted pair in local part");
                    }
                    i += 2;
                    continue;
                }
                if (c < 32 || c > 126) {
                    throw new IllegalArgumentException("bad character in quoted local part");
                }
                i++;
            }
            throw new IllegalArgumentException("unterminated quoted local part");
        }
        boolean atomStart = true;
        while (i < s.length() && s.charAt(i) != '@') {
            char c = s.charAt(i);
            if (c == '.') {
                if (atomStart) {
                    throw new IllegalArgumentException("empty atom in local part");
                }
                atomStart = true;
            } else if (isAtext(c)) {
                atomStart = false;
            } else {
                throw new IllegalArgumentException("character '" + printable(c) + "' not allowed in local part");
            }
            i++;
        }
        if (i == 0) {
            throw new IllegalArgumentException("empty local part");
        }
        if (atomStart) {
            throw new IllegalArgumentException("local part ends with a dot");
        }
        return i;
    }

    private static String printable(char c) {
        return c < 32 || c > 126 ? String.format("\\x%02x", (int) c) : String.valueOf(c);
    }

    /** RFC 5322 atext. */
    public static boolean isAtext(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || "!#$%&'*+-/=?^_`{|}~".indexOf(c) >= 0;
    }

    /** Checks an RFC 5321 Domain (letters, digits, hyphens; one trailing dot tolerated) or address literal. */
    public static void checkDomainOrLiteral(String domain) {
        if (domain.isEmpty()) {
            throw new IllegalArgumentException("empty domain");
        }
        if (domain.startsWith("[")) {
            if (!domain.endsWith("]")) {
                throw new IllegalArgumentException("unterminated address literal");
            }
            String inner = domain.substring(1, domain.length() - 1);
            if (inner.regionMatches(true, 0, "IPv6:", 0, 5)) {
                if (!isIpv6(inner.substring(5))) {
                    throw new IllegalArgumentException("bad IPv6 address literal");
                }
            } else if (!isIpv4(inner)) {
                throw new IllegalArgumentException("bad address literal");
            }
            return;
        }
        String d = domain.endsWith(".") ? domain.substring(0, domain.length() - 1) : domain;
        if (d.length() > 253) {
            throw new IllegalArgumentException("domain longer than 253 octets");
        }
        if (!d.matches("(?i)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*")) {
            throw new IllegalArgumentException("bad domain \"" + domain + "\"");
        }
    }

    private static boolean isIpv4(String text) {
        return text.matches("(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])(\\.(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])){3}");
    }

    /**
     * RFC 5321 4.1.3 IPv6-addr: IPv6-full (8 groups), IPv6-comp ("::" standing for at least two groups, at
     * most 6 others), IPv6v4-full (6 groups and an IPv4 address), IPv6v4-comp (at most 4 groups and "::").
     */
    static boolean isIpv6(String text) {
        String hex = text;
        int maxGroups = 8;
        if (text.indexOf('.') >= 0) {
            int lastColon = text.lastIndexOf(':');
            if (lastColon < 0 || !isIpv4(text.substring(lastColon + 1))) {
                return false;
            }
            hex = text.substring(0, lastColon + 1); // keeps the colon before the IPv4 part
            maxGroups = 6;
        }
        int gap = hex.indexOf("::");
        if (gap < 0) {
            if (maxGroups == 6) {
                hex = hex.substring(0, hex.length() - 1);
            }
            return hexGroups(hex) == maxGroups;
        }
        if (hex.indexOf("::", gap + 1) >= 0) {
            return false;
        }
        String right = hex.substring(gap + 2);
        if (maxGroups == 6 && !right.isEmpty()) {
            right = right.substring(0, right.length() - 1); // the colon before the IPv4 part
        }
        int left = hexGroups(hex.substring(0, gap));
        int rightGroups = hexGroups(right);
        return left >= 0 && rightGroups >= 0 && left + rightGroups <= maxGroups - 2;
    }

    /** How many 1*4HEXDIG groups separated by single colons, 0 for "", -1 if malformed. */
    private static int hexGroups(String text) {
        if (text.isEmpty()) {
            return 0;
        }
        String[] groups = text.split(":", -1);
        for (String g : groups) {
            if (!g.matches("[0-9A-Fa-f]{1,4}")) {
                return -1;
            }
        }
        return groups.length;
    }

    public boolean isAddressLiteral() {
        return domain.startsWith("[");
    }

    /** The domain in lower case, without a trailing dot. */
    public String normalizedDomain() {
        String d = domain.toLowerCase(Locale.ROOT);
        return d.endsWith(".") ? d.substring(0, d.length() - 1) : d;
    }

    /** The store's lookup key: {@code local@domain} in lower case, trailing dot removed. */
    public String key() {
        return localPart.toLowerCase(Locale.ROOT) + "@" + normalizedDomain();
    }

    @Override
    public String toString() {
        return localPart + "@" + domain;
    }
}
