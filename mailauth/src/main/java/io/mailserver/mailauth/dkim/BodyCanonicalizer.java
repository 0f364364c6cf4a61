package io.mailserver.mailauth.dkim;

import java.security.MessageDigest;

/**
 * RFC 6376 3.4.3 / 3.4.4 body canonicalisation as a byte stream: no line and no body is held in memory.
 * Empty lines are only counted, and written out when something follows them, which is how "remove the
 * empty lines at the end of the body" works without knowing where the end is. In relaxed mode a run of
 * WSP is likewise held as one pending space and dropped if the line ends first.
 */
final class BodyCanonicalizer {
    private final boolean relaxed;
    private final MessageDigest digest;
    private final long limit;
    private final byte[] out = new byte[8192];
    private int outLen;
    private long hashed;
    private long pendingLineEnds;
    private boolean pendingCr;
    private boolean pendingSpace;
    private boolean anyContent;
    private long total;

    BodyCanonicalizer(boolean relaxed, MessageDigest digest, long limit) {
        this.relaxed = relaxed;
        this.digest = digest;
        this.limit = limit;
    }

    void update(byte[] b, int off, int len) {
        for (int i = off; i < off + len; i++) {
            update(b[i]);
        }
    }

    private void update(byte c) {
        if (pendingCr) {
            pendingCr = false;
            if (c == '\n') {
                pendingSpace = false; // relaxed: WSP at the end of a line is ignored
                pendingLineEnds++;
                return;
            }
            content((byte) '\r');
        }
        if (c == '\r') {
            pendingCr = true;
            return;
        }
        if (relaxed && (c == ' ' || c == '\t')) {
            pendingSpace = true;
            return;
        }
        content(c);
    }

    private void content(byte c) {
        while (pendingLineEnds > 0) {
            emit((byte) '\r');
            emit((byte) '\n');
            pendingLineEnds--;
        }
        if (pendingSpace) {
            emit((byte) ' ');
            pendingSpace = false;
        }
        emit(c);
        anyContent = true;
    }

    /** Completes the body and returns the canonical length counted (capped at the limit). */
    long finish() {
        if (pendingCr) {
            pendingCr = false;
            content((byte) '\r');
        }
        // the last line's CRLF, added if it had none (3.4.3, 3.4.4); an empty body is one CRLF in simple, nothing in relaxed
        if (anyContent || !relaxed) {
            emit((byte) '\r');
            emit((byte) '\n');
        }
        flush();
        return hashed;
    }

    /** Canonical octets the body had, including any beyond the limit (for the l= check). */
    long total() {
        return total;
    }

    private void emit(byte c) {
        total++;
        if (limit >= 0 && hashed + outLen >= limit) {
            return;
        }
        out[outLen++] = c;
        if (outLen == out.length) {
            flush();
        }
    }

    private void flush() {
        digest.update(out, 0, outLen);
        hashed += outLen;
        outLen = 0;
    }
}
