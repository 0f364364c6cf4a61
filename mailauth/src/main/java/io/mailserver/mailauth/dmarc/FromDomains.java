package io.mailserver.mailauth.dmarc;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The domains of the addresses in RFC5322.From fields (RFC 5322 3.6.2: a mailbox-list), for DMARC.
 * Display names, comments, quoted strings, angle brackets and groups are understood; what is not an
 * address yields nothing. Domains are lower case, without a trailing dot, each once.
 */
public final class FromDomains {
    private FromDomains() {
    }

    /** @param fieldValues the unfolded values of every From field of the message (normally one) */
    public static List<String> of(List<String> fieldValues) {
        Set<String> out = new LinkedHashSet<>();
        for (String value : fieldValues) {
            for (String mailbox : mailboxes(withoutComments(value))) {
                int at = mailbox.lastIndexOf('@');
                if (at > 0 && at < mailbox.length() - 1) {
                    String domain = mailbox.substring(at + 1).trim().toLowerCase(Locale.ROOT);
                    if (domain.endsWith(".")) {
                        domain = domain.substring(0, domain.length() - 1);
                    }
                    if (!domain.isEmpty() && !domain.startsWith("[")) {
                        out.add(domain);
                    }
                }
            }
        }
        return List.copyOf(out);
    }

    /** Removes (nested) comments, keeping quoted strings intact. */
    static String withoutComments(String s) {
        StringBuilder sb = new StringBuilder();
        int depth = 0;
        boolean quoted = false;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && i + 1 < s.length() && (quoted || depth > 0)) {
                if (depth == 0) {
                    sb.append(c).append(s.charAt(i + 1));
                }
                i++;
            } else if (depth == 0 && c == '"') {
                quoted = !quoted;
                sb.append(c);
            } else if (!quoted && c == '(') {
                depth++;
            } else if (!quoted && c == ')' && depth > 0) {
                depth--;
            } else if (depth == 0) {
                sb.append(c);
            }
        }
        return sb.toString();
    }

    /** Splits a mailbox-list (or group) on commas outside quotes and brackets; each part's address. */
    private static List<String> mailboxes(String s) {
        List<String> out = new ArrayList<>();
        StringBuilder part = new StringBuilder();
        boolean quoted = false;
        boolean angle = false;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && quoted && i + 1 < s.length()) {
                part.append(c).append(s.charAt(++i));
                continue;
            }
            if (c == '"') {
                quoted = !quoted;
            } else if (!quoted && c == '<') {
                angle = true;
            } else if (!quoted && c == '>') {
                angle = false;
            } else if (!quoted && !angle && (c == ',' || c == ';')) {
                out.add(address(part.toString()));
                part.setLength(0);
                continue;
            } else if (!quoted && !angle && c == ':') {
                part.setLength(0); // a group's display name ends here (RFC 5322 3.4)
                continue;
            }
            part.append(c);
        }
        out.add(address(part.toString()));
        return out;
    }

    private static String address(String mailbox) {
        int open = mailbox.lastIndexOf('<');
        int close = mailbox.lastIndexOf('>');
        if (open >= 0 && close > open) {
            return mailbox.substring(open + 1, close).trim();
        }
        return mailbox.trim();
    }
}
