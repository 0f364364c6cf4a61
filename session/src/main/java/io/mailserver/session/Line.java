package io.mailserver.session;

import java.nio.charset.StandardCharsets;

/**
 * One line as the client sent it, byte for byte, without its terminator.
 *
 * <p>{@code ending} says how it ended: CRLF (the only legal ending in SMTP and POP3), a bare LF, a bare CR,
 * or not at all ({@link Ending#NONE}: the line was longer than the decoder's fragment size and more of it
 * follows in the next {@code Line}). {@code moreBuffered} is true when the client had already sent more
 * bytes behind this line when it was decoded: the STARTTLS/STLS injection check needs it.
 */
public record Line(byte[] bytes, Ending ending, boolean moreBuffered) {

    public enum Ending { CRLF, BARE_LF, BARE_CR, NONE }

    public boolean isComplete() {
        return ending != Ending.NONE;
    }

    /** The line as ISO-8859-1 text: every byte maps to one char, so nothing is lost or rejected. */
    public String text() {
        return new String(bytes, StandardCharsets.ISO_8859_1);
    }

    public int length() {
        return bytes.length;
    }

    @Override
    public String toString() {
        return "Line[" + text().replace("\r", "\\r").replace("\n", "\\n") + ", " + ending + (moreBuffered ? ", more" : "") + "]";
    }
}
