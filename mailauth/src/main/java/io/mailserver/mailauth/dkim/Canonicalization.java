package io.mailserver.mailauth.dkim;

import java.security.MessageDigest;
import java.util.Locale;
import java.util.Optional;

/** RFC 6376 3.4: the two canonicalisation algorithms, for header fields and for the body. */
public enum Canonicalization {
    SIMPLE, RELAXED;

    public String tag() {
        return name().toLowerCase(Locale.ROOT);
    }

    static Optional<Canonicalization> ofTag(String s) {
        return switch (s.trim().toLowerCase(Locale.ROOT)) {
            case "simple" -> Optional.of(SIMPLE);
            case "relaxed" -> Optional.of(RELAXED);
            default -> Optional.empty();
        };
    }

    /**
     * One header field in this canonical form. {@code raw} is the whole field with its CRLF; the result
     * ends in CRLF too (the caller strips it for the DKIM-Signature field itself, RFC 6376 3.7).
     */
    String header(String raw) {
        if (this == SIMPLE) {
            return raw; // 3.4.1: unchanged
        }
        // 3.4.2: lower-case name, unfold, runs of WSP to one SP, no WSP at the end of the value or around the colon
        int colon = raw.indexOf(':');
        String name = raw.substring(0, Math.max(colon, 0)).toLowerCase(Locale.ROOT);
        String value = colon < 0 ? "" : raw.substring(colon + 1);
        StringBuilder out = new StringBuilder(raw.length());
        out.append(name.strip()).append(':');
        int start = out.length();
        boolean space = false;
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '\r' || c == '\n') {
                continue;
            }
            if (c == ' ' || c == '\t') {
                space = true;
                continue;
            }
            if (space && out.length() > start) {
                out.append(' ');
            }
            space = false;
            out.append(c);
        }
        return out.append("\r\n").toString();
    }

    /** A streaming body canonicaliser feeding {@code digest}, stopping after {@code limit} octets (l=), or -1. */
    BodyCanonicalizer body(MessageDigest digest, long limit) {
        return new BodyCanonicalizer(this == RELAXED, digest, limit);
    }
}
