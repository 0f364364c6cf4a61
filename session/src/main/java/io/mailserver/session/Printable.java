package io.mailserver.session;

/**
 * Client text made safe for one log line. Whatever a client sends (a user name, a HELO name, an address) may carry
 * characters that a terminal, a log viewer or a log shipper takes as the end of the line or as a reordering of it,
 * and so could forge a second, innocent-looking entry. Those characters are replaced by escapes
 * ({@code \x85}, {@code \u2028}); everything else stays as it is, so ordinary names read unchanged.
 *
 * <p>Escaped: C0 controls except TAB (CR and LF among them), DEL, C1 controls (U+0080-U+009F, NEL U+0085 among
 * them), the line and paragraph separators U+2028 and U+2029, the bidirectional controls (U+061C, U+200E, U+200F,
 * U+202A-U+202E, U+2066-U+2069: "Trojan Source") and unpaired surrogates.
 */
public final class Printable {
    /** Longer client text is cut here (with "..."): a log line is no place for a 4 KB user name. */
    public static final int MAX_CHARS = 256;

    private Printable() {
    }

    /** {@code text} with the dangerous characters escaped and cut at {@link #MAX_CHARS}; "-" for null or empty. */
    public static String forLog(String text) {
        if (text == null || text.isEmpty()) {
            return "-";
        }
        int end = Math.min(text.length(), MAX_CHARS);
        if (end < text.length() && Character.isHighSurrogate(text.charAt(end - 1))) {
            end--; // do not cut a pair in half
        }
        StringBuilder out = null;
        for (int i = 0; i < end; i++) {
            char c = text.charAt(i);
            boolean pair = Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1));
            if (pair) {
                if (out != null) {
                    out.append(c).append(text.charAt(i + 1));
                }
                i++;
                continue;
            }
            if (needsEscape(c)) {
                if (out == null) {
                    out = new StringBuilder(end + 16).append(text, 0, i);
                }
                escape(c, out);
            } else if (out != null) {
                out.append(c);
            }
        }
        if (end < text.length()) {
            if (out == null) {
                out = new StringBuilder(end + 3).append(text, 0, end);
            }
            out.append("...");
        }
        return out == null ? text : out.toString();
    }

    /** True for a char {@link #forLog} escapes (a surrogate counts here only when it is not part of a pair). */
    static boolean needsEscape(char c) {
        if (c < 0x20) {
            return c != '\t';
        }
        if (c >= 0x7f && c <= 0x9f) {
            return true; // DEL and C1, NEL (U+0085) among them
        }
        return c == '\u2028' || c == '\u2029' // line and paragraph separators
                || c == '\u061c' || c == '\u200e' || c == '\u200f' // ALM, LRM, RLM
                || (c >= '\u202a' && c <= '\u202e') // LRE, RLE, PDF, LRO, RLO
                || (c >= '\u2066' && c <= '\u2069') // LRI, RLI, FSI, PDI
                || Character.isSurrogate(c);
    }

    private static void escape(char c, StringBuilder out) {
        if (c <= 0xff) {
            out.append("\\x").append(Character.forDigit(c >> 4, 16)).append(Character.forDigit(c & 0xf, 16));
        } else {
            out.append("\\u").append(String.format("%04x", (int) c));
        }
    }
}
