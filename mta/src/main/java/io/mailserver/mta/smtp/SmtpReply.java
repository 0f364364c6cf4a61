package io.mailserver.mta.smtp;

import java.util.ArrayList;
import java.util.List;

/**
 * One SMTP reply: a three-digit code, an optional enhanced status code (RFC 3463) and one or more text
 * lines. {@link #toWire()} renders it whole, every line ending in CRLF, so the adapter can write a
 * multi-line reply in one buffer (docs/design.md, contract 5).
 *
 * <p>RFC 2034 section 3: the enhanced code is repeated on every line of a multi-line reply; the
 * greeting, the 354 intermediate reply and the replies to HELO/EHLO carry none.
 */
public record SmtpReply(int code, String enhanced, List<String> lines) {

    public SmtpReply {
        if (code < 200 || code > 599) {
            throw new IllegalArgumentException("reply code out of range: " + code);
        }
        if (lines.isEmpty()) {
            throw new IllegalArgumentException("a reply needs at least one line");
        }
        lines = List.copyOf(lines);
    }

    public static SmtpReply of(int code, String enhanced, String text) {
        return new SmtpReply(code, enhanced, List.of(text));
    }

    /** A reply without an enhanced status code (greeting, 354, HELO/EHLO). */
    public static SmtpReply plain(int code, String text) {
        return new SmtpReply(code, null, List.of(text));
    }

    public static SmtpReply multi(int code, String enhanced, List<String> lines) {
        return new SmtpReply(code, enhanced, lines);
    }

    public boolean isPositive() {
        return code < 400;
    }

    public boolean isTransientFailure() {
        return code >= 400 && code < 500;
    }

    public boolean isPermanentFailure() {
        return code >= 500;
    }

    /** The same reply with one more line (for example a list member) at the end. */
    public SmtpReply withLine(String line) {
        List<String> more = new ArrayList<>(lines);
        more.add(line);
        return new SmtpReply(code, enhanced, more);
    }

    /** RFC 5321 4.2.1: {@code code-text CRLF} for every line but the last, {@code code SP text CRLF} for the last. */
    public String toWire() {
        StringBuilder sb = new StringBuilder(64 * lines.size());
        for (int i = 0; i < lines.size(); i++) {
            sb.append(code).append(i == lines.size() - 1 ? ' ' : '-');
            if (enhanced != null) {
                sb.append(enhanced).append(' ');
            }
            sb.append(lines.get(i)).append("\r\n");
        }
        return sb.toString();
    }

    /** The reply as one line for logs: code, enhanced code and the first text line. */
    public String summary() {
        return code + (enhanced == null ? "" : " " + enhanced) + " " + lines.get(0);
    }

    @Override
    public String toString() {
        return summary();
    }
}
