package io.mailserver.mailauth.dkim;

import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * One header field exactly as it appeared, folding and line end included. Held as ISO-8859-1 text so that
 * every octet maps to one char and back (8-bit header octets survive canonicalisation unchanged).
 */
public record HeaderField(String raw) {
    /** The field name as written (without trailing white space before the colon). */
    public String name() {
        int colon = raw.indexOf(':');
        String n = colon < 0 ? raw : raw.substring(0, colon);
        return stripTrailingWsp(n);
    }

    public String lowerName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The value after the colon, unfolded, as written otherwise (line end removed). */
    public String value() {
        int colon = raw.indexOf(':');
        String v = colon < 0 ? "" : raw.substring(colon + 1);
        if (v.endsWith("\r\n")) {
            v = v.substring(0, v.length() - 2);
        }
        return v.replace("\r\n", "");
    }

    public byte[] bytes() {
        return raw.getBytes(StandardCharsets.ISO_8859_1);
    }

    static HeaderField of(byte[] b, int off, int len) {
        return new HeaderField(new String(b, off, len, StandardCharsets.ISO_8859_1));
    }

    private static String stripTrailingWsp(String s) {
        int end = s.length();
        while (end > 0 && (s.charAt(end - 1) == ' ' || s.charAt(end - 1) == '\t')) {
            end--;
        }
        return s.substring(0, end);
    }
}
