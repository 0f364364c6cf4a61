package io.mailserver.mta.smtp;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The operator's forbidden patterns ({@code content.reject-pattern}, repeatable), matched while the
 * message streams in: each header field unfolded (so a pattern can span a folded line), then each
 * body line. Text is decoded as UTF-8 (bytes that are not UTF-8 become U+FFFD). A body line longer
 * than the decoder's fragment size (8 KiB) is matched piecewise.
 */
final class ContentRules {
    /** An unfolded header field longer than this is matched in pieces; bounds memory. */
    static final int MAX_HEADER = 16 * 1024;

    private final List<Pattern> patterns;

    ContentRules(List<Pattern> patterns) {
        this.patterns = List.copyOf(patterns);
    }

    boolean isEmpty() {
        return patterns.isEmpty();
    }

    boolean matches(CharSequence text) {
        for (Pattern p : patterns) {
            if (p.matcher(text).find()) {
                return true;
            }
        }
        return false;
    }

    static String decode(byte[] bytes, int offset, int length) {
        return new String(bytes, offset, length, StandardCharsets.UTF_8);
    }
}
