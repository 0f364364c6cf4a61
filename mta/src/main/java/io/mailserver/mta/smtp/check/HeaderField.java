package io.mailserver.mta.smtp.check;

import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * One header field as it will be stored: its first line and any folded continuation lines, each with its
 * CRLF. A field longer than {@link #MAX_LENGTH} comes in several pieces, so memory stays bounded; only the
 * first piece has a name, and only a field that came whole may be left out of the stored message
 * ({@link MessageScan#keep}).
 */
public final class HeaderField {
    /** Fields longer than this reach the scans in pieces. */
    public static final int MAX_LENGTH = 16 * 1024;

    private final byte[] bytes;
    private final boolean first;
    private final boolean whole;

    public HeaderField(byte[] bytes, boolean first, boolean whole) {
        this.bytes = bytes;
        this.first = first;
        this.whole = whole;
    }

    /** The stored bytes, CRLFs included; do not change them. */
    public byte[] bytes() {
        return bytes;
    }

    /** Whether this is the whole field rather than one piece of a long one. */
    public boolean whole() {
        return whole;
    }

    /** The field name as written (before the colon, RFC 5322 allows white space there), or "" for a later piece. */
    public String name() {
        if (!first) {
            return "";
        }
        int colon = 0;
        while (colon < bytes.length && bytes[colon] != ':' && bytes[colon] != '\r') {
            colon++;
        }
        if (colon == bytes.length || bytes[colon] != ':') {
            return "";
        }
        return new String(bytes, 0, colon, StandardCharsets.ISO_8859_1).stripTrailing();
    }

    /** Case-insensitive, as RFC 5322 1.2.2 compares field names. */
    public boolean nameIs(String fieldName) {
        return name().toLowerCase(Locale.ROOT).equals(fieldName.toLowerCase(Locale.ROOT));
    }

    /** The field (or piece) unfolded (RFC 5322 2.2.3: its CRLFs removed) and decoded as UTF-8 (other bytes become U+FFFD). */
    public String unfolded() {
        byte[] out = new byte[bytes.length];
        int n = 0;
        for (byte b : bytes) {
            if (b != '\r' && b != '\n') {
                out[n++] = b;
            }
        }
        return new String(out, 0, n, StandardCharsets.UTF_8);
    }
}
