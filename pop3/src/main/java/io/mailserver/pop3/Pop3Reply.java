package io.mailserver.pop3;

import java.time.Duration;
import java.util.List;

/**
 * What the session answers to one line. {@code text} is the whole reply as it goes on the wire, CRLFs
 * included, so the transport can send it in one write (docs/design.md, contract 5). For RETR and TOP,
 * {@code text} is only the {@code +OK} status line and {@code body} streams the rest (byte-stuffed, with
 * the terminating {@code CRLF.CRLF}); the transport must close the body on every path.
 *
 * <p>{@code delay} postpones the reply (failed logins are slowed); {@code close} ends the connection after
 * the reply; {@code countsAsError} marks a client mistake for the per-session error limit; {@code startTls}
 * asks the transport to switch to TLS after this reply (STLS).
 */
public record Pop3Reply(String text, MessageBody body, Duration delay, boolean close, boolean countsAsError, boolean startTls) {

    public Pop3Reply(String text, MessageBody body, Duration delay, boolean close, boolean countsAsError) {
        this(text, body, delay, close, countsAsError, false);
    }

    /**
     * STLS accepted (RFC 2595 4): the transport sends this {@code +OK} in plaintext, then switches to TLS and drops
     * whatever the client sent after the command.
     */
    public static Pop3Reply startTls(String text) {
        return new Pop3Reply("+OK " + text + CRLF, null, Duration.ZERO, false, false, true);
    }

    /** No reply at all (a fragment of an over-long line, or input after the session ended). */
    public static final Pop3Reply NONE = new Pop3Reply("", null, Duration.ZERO, false, false);

    static final String CRLF = "\r\n";

    public static Pop3Reply ok(String text) {
        return new Pop3Reply("+OK" + (text.isEmpty() ? "" : " " + text) + CRLF, null, Duration.ZERO, false, false);
    }

    /** A multi-line {@code +OK} reply (RFC 1939 section 3): lines are byte-stuffed, then {@code .} ends it. */
    public static Pop3Reply okMultiLine(String firstLine, List<String> lines) {
        StringBuilder sb = new StringBuilder(32 + lines.size() * 16);
        sb.append("+OK");
        if (!firstLine.isEmpty()) {
            sb.append(' ').append(firstLine);
        }
        sb.append(CRLF);
        for (String line : lines) {
            if (line.startsWith(".")) {
                sb.append('.');
            }
            sb.append(line).append(CRLF);
        }
        sb.append('.').append(CRLF);
        return new Pop3Reply(sb.toString(), null, Duration.ZERO, false, false);
    }

    /** A {@code +OK} status line followed by a streamed message. */
    public static Pop3Reply okWithBody(String text, MessageBody body) {
        return new Pop3Reply("+OK " + text + CRLF, body, Duration.ZERO, false, false);
    }

    /** The SASL continuation (RFC 5034 section 4): {@code "+ "} and a base64 challenge, empty for PLAIN. */
    public static Pop3Reply continuation(String base64Challenge) {
        return new Pop3Reply("+ " + base64Challenge + CRLF, null, Duration.ZERO, false, false);
    }

    /** A client mistake: unknown command, wrong state, bad argument, no such message. Counts toward the error limit. */
    public static Pop3Reply error(String text) {
        return new Pop3Reply("-ERR " + text + CRLF, null, Duration.ZERO, false, true);
    }

    /** A negative reply that is not a mistake (e.g. a cancelled AUTH exchange). */
    public static Pop3Reply negative(String text) {
        return new Pop3Reply("-ERR " + text + CRLF, null, Duration.ZERO, false, false);
    }

    /** A refusal with an RFC 2449/3206 response code. Does not count toward the error limit. */
    public static Pop3Reply failure(ResponseCode code, String text) {
        return new Pop3Reply("-ERR " + code.bracketed() + " " + text + CRLF, null, Duration.ZERO, false, false);
    }

    /** "1 message", "2 messages". */
    static String messages(long n) {
        return n + (n == 1 ? " message" : " messages");
    }

    public Pop3Reply closing() {
        return new Pop3Reply(text, body, delay, true, countsAsError);
    }

    public Pop3Reply delayed(Duration by) {
        return new Pop3Reply(text, body, by, close, countsAsError);
    }

    public boolean isNone() {
        return text.isEmpty() && body == null;
    }

    public boolean isPositive() {
        return text.startsWith("+OK");
    }

    @Override
    public String toString() {
        String first = text.lines().findFirst().orElse("");
        return "Pop3Reply[" + first + (body != null ? " +body" : "") + (delay.isZero() ? "" : " delay=" + delay)
                + (close ? " close" : "") + "]";
    }
}
