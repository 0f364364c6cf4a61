package io.mailserver.relay.client;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;

/**
 * Turns message content into the DATA wire form as it streams (constant heap): a line that starts
 * with "." gets a second one (RFC 5321 4.5.2), a bare LF becomes CRLF, and {@link #finish()} ends
 * the last line if needed and writes the terminating {@code .CRLF}.
 */
public final class DotStuffingOutputStream extends FilterOutputStream {
    private static final byte CR = '\r';
    private static final byte LF = '\n';
    private static final byte DOT = '.';

    private boolean atLineStart = true;
    private boolean lastWasCr;

    public DotStuffingOutputStream(OutputStream out) {
        super(out);
    }

    @Override
    public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        int runStart = off;
        int end = off + len;
        for (int i = off; i < end; i++) {
            byte c = b[i];
            if (c == LF) {
                if (!lastWasCr) {
                    out.write(b, runStart, i - runStart);
                    out.write(CR);
                    runStart = i;
                }
                atLineStart = true;
                lastWasCr = false;
                continue;
            }
            if (atLineStart && c == DOT) {
                out.write(b, runStart, i - runStart);
                out.write(DOT);
                runStart = i;
            }
            atLineStart = false;
            lastWasCr = c == CR;
        }
        out.write(b, runStart, end - runStart);
    }

    /** Completes an unterminated last line and writes the end-of-data marker; does not close the stream. */
    public void finish() throws IOException {
        if (!atLineStart) {
            if (lastWasCr) {
                out.write(LF);
            } else {
                out.write(new byte[] {CR, LF});
            }
        }
        out.write(new byte[] {DOT, CR, LF});
        atLineStart = true;
        lastWasCr = false;
    }

    @Override
    public void close() throws IOException {
        // the socket outlives one message: closing is the session's business
        flush();
    }
}
