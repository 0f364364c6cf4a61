package io.mailserver.pop3;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.util.function.LongConsumer;

/**
 * The body of a RETR or TOP reply, produced on the fly from the stored message (docs/design.md, contract 4):
 * every line that begins with {@code '.'} gets one more {@code '.'} in front, and the response ends with
 * {@code CRLF.CRLF} (RFC 1939 section 3). Heap use is one small input buffer, whatever the message size.
 *
 * <p>For TOP ({@code bodyLines >= 0}) it stops after the header section, the blank line that ends it and
 * that many body lines (RFC 1939 section 7); a message without a blank line is sent whole.
 *
 * <p>A line starts after every LF. Stored content has CRLF line ends, so that is after every CRLF; a stray
 * bare LF is also treated as a line end so that a client splitting lines on LF alone can never mistake
 * message content for the terminator.
 */
public final class MessageBody implements Closeable {
    private static final byte[] TERMINATOR = {'.', '\r', '\n'};
    private static final byte[] CRLF_TERMINATOR = {'\r', '\n', '.', '\r', '\n'};

    private final InputStream in;
    private final byte[] inBuf;
    private int inPos;
    private int inLen;
    private final LongConsumer onClose;

    private final boolean limited;
    private long bodyLinesLeft;
    private boolean inHeaders = true;
    private int lineLength;
    private byte lastByte = '\n';

    private boolean contentDone;
    private byte[] tail;
    private int tailPos;
    private boolean finished;
    private boolean closed;
    private long produced;

    /**
     * @param in        the stored message (CRLF line ends, not stuffed); closed by {@link #close()}
     * @param bodyLines -1 for the whole message (RETR), otherwise how many body lines TOP sends
     * @param onClose   told how many octets were produced, once, when closed
     */
    public MessageBody(InputStream in, long bodyLines, LongConsumer onClose) {
        this.in = in;
        this.inBuf = new byte[16 * 1024];
        this.limited = bodyLines >= 0;
        this.bodyLinesLeft = bodyLines;
        this.onClose = onClose;
    }

    /**
     * Fills {@code out[off..off+len)} with the next bytes of the response.
     * @param len at least 2, so a stuffed dot and its line's first byte always fit together
     * @return bytes written, or -1 once the terminator has been produced
     */
    public int read(byte[] out, int off, int len) throws IOException {
        if (len < 2) {
            throw new IllegalArgumentException("buffer too small");
        }
        if (finished) {
            return -1;
        }
        int n = 0;
        while (n < len) {
            if (tail != null) {
                int k = Math.min(len - n, tail.length - tailPos);
                System.arraycopy(tail, tailPos, out, off + n, k);
                tailPos += k;
                n += k;
                if (tailPos == tail.length) {
                    finished = true;
                    break;
                }
                continue;
            }
            if (contentDone) {
                // RFC 1939 section 3: the multi-line response ends with CRLF "." CRLF
                tail = lastByte == '\n' ? TERMINATOR : CRLF_TERMINATOR;
                continue;
            }
            if (inPos == inLen) {
                int r = in.read(inBuf, 0, inBuf.length);
                if (r < 0) {
                    contentDone = true;
                } else {
                    inPos = 0;
                    inLen = r;
                }
                continue;
            }
            if (lineLength == 0 && inBuf[inPos] == '.') {
                // RFC 1939 section 3: byte-stuff a line that begins with the termination octet
                if (len - n < 2) {
                    break;
                }
                out[off + n++] = '.';
            }
            n += copyRun(out, off + n, len - n);
        }
        produced += n;
        return n;
    }

    /**
     * Copies input bytes up to and including the next LF (a line end), or as many as fit; the caller has
     * stuffed the line's first byte already if needed. One scan and one arraycopy per run, not per byte.
     * @return bytes copied, at least 1
     */
    private int copyRun(byte[] out, int at, int room) {
        int end = Math.min(inLen, inPos + room);
        int i = inPos;
        while (i < end && inBuf[i] != '\n') {
            i++;
        }
        boolean lineEnds = i < end;
        int k = (lineEnds ? i + 1 : i) - inPos;
        System.arraycopy(inBuf, inPos, out, at, k);
        if (lineEnds) {
            int length = lineLength + k - 1; // bytes before the LF
            byte beforeLf = k >= 2 ? inBuf[i - 1] : lastByte;
            inPos += k;
            lastByte = '\n';
            endOfLine(length == 0 || (length == 1 && beforeLf == '\r'));
        } else {
            lineLength += k;
            lastByte = inBuf[inPos + k - 1];
            inPos += k;
        }
        return k;
    }

    /** Tracks header end and body lines for TOP. */
    private void endOfLine(boolean blank) {
        lineLength = 0;
        if (!limited) {
            return;
        }
        if (inHeaders) {
            if (blank) {
                inHeaders = false;
                if (bodyLinesLeft == 0) {
                    contentDone = true;
                }
            }
        } else if (--bodyLinesLeft <= 0) {
            contentDone = true;
        }
    }

    /** Octets produced so far (stuffing and terminator included). */
    public long produced() {
        return produced;
    }

    public boolean isFinished() {
        return finished;
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            in.close();
        } catch (IOException e) {
            // the stream is finished with either way; nothing the client could be told
        }
        onClose.accept(produced);
    }
}
