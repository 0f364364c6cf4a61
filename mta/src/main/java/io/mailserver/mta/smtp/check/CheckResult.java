package io.mailserver.mta.smtp.check;

import java.util.Optional;

import io.mailserver.mta.smtp.SmtpReply;

/**
 * What one check says, as a value rather than an exception (in the spirit of James's hook results and maddy's
 * check results): go on, refuse for good (5xx), refuse for now (4xx), or refuse and close the connection.
 * An accepting result at {@link Stage#DATA_END} may carry a header field, which is put on top of the stored
 * message (e.g. {@code Authentication-Results}); at other stages a header is ignored.
 */
public record CheckResult(Kind kind, SmtpReply reply, Optional<String> header) {

    public enum Kind { ACCEPT, REJECT, TEMPFAIL, DISCONNECT }

    private static final CheckResult ACCEPT = new CheckResult(Kind.ACCEPT, null, Optional.empty());

    public CheckResult {
        switch (kind) {
            case ACCEPT -> {
                if (reply != null) {
                    throw new IllegalArgumentException("an acceptance has no reply of its own");
                }
            }
            case REJECT -> require(reply != null && reply.isPermanentFailure(), "a rejection needs a 5xx reply");
            case TEMPFAIL -> require(reply != null && reply.isTransientFailure(), "a temporary failure needs a 4xx reply");
            case DISCONNECT -> require(reply != null && !reply.isPositive(), "a disconnect needs a 4xx or 5xx reply");
        }
        if (header.isPresent() && (header.get().endsWith("\n") || header.get().indexOf(':') <= 0)) {
            throw new IllegalArgumentException("a header field is 'Name: value', without a final line end");
        }
    }

    private static void require(boolean condition, String message) {
        if (!condition) {
            throw new IllegalArgumentException(message);
        }
    }

    public static CheckResult accept() {
        return ACCEPT;
    }

    /** Accept, and at {@link Stage#DATA_END} put {@code field} ("Name: value", folded lines joined by CRLF) on top of the message. */
    public static CheckResult acceptWithHeader(String field) {
        return new CheckResult(Kind.ACCEPT, null, Optional.of(field));
    }

    public static CheckResult reject(int code, String enhanced, String text) {
        return reject(SmtpReply.of(code, enhanced, text));
    }

    public static CheckResult reject(SmtpReply reply) {
        return new CheckResult(Kind.REJECT, reply, Optional.empty());
    }

    public static CheckResult tempFail(int code, String enhanced, String text) {
        return tempFail(SmtpReply.of(code, enhanced, text));
    }

    public static CheckResult tempFail(SmtpReply reply) {
        return new CheckResult(Kind.TEMPFAIL, reply, Optional.empty());
    }

    public static CheckResult disconnect(int code, String enhanced, String text) {
        return disconnect(SmtpReply.of(code, enhanced, text));
    }

    public static CheckResult disconnect(SmtpReply reply) {
        return new CheckResult(Kind.DISCONNECT, reply, Optional.empty());
    }

    public boolean accepted() {
        return kind == Kind.ACCEPT;
    }

    /** Whether the connection closes after the reply. */
    public boolean closes() {
        return kind == Kind.DISCONNECT;
    }
}
