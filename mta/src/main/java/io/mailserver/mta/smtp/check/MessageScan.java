package io.mailserver.mta.smtp.check;

/**
 * One {@link DataCheck}'s view of one message, fed in order as the content streams in: each header field, then
 * each body line, exactly as they are stored (dot-unstuffing undone, every line ending CRLF). The first refusal
 * any scan returns decides the message: nothing more is stored or scanned, the client's data is read to its
 * end and then answered with that refusal. Without a refusal, {@link #end()} is asked at CRLF.CRLF.
 */
public interface MessageScan {
    /** One header field; return a refusal to decide the message now. */
    default CheckResult headerField(HeaderField field) {
        return CheckResult.accept();
    }

    /**
     * Whether to store this header field (asked after every scan has seen it, and only for a field that came whole):
     * false leaves it out of the stored message, e.g. an {@code Authentication-Results} field that claims to be ours
     * (RFC 8601 5).
     */
    default boolean keep(HeaderField field) {
        return true;
    }

    /** The empty line that ends the header section (absent when the message has no body). */
    default CheckResult headerEnd() {
        return CheckResult.accept();
    }

    /**
     * One body line without its CRLF, or a piece of one longer than the framing's fragment size (then
     * {@code endsLine} is false for every piece but the last).
     */
    default CheckResult bodyLine(byte[] bytes, int offset, int length, boolean endsLine) {
        return CheckResult.accept();
    }

    /** The end of the data: the verdict, which may carry a header field to put on top of the message. */
    default CheckResult end() {
        return CheckResult.accept();
    }
}
