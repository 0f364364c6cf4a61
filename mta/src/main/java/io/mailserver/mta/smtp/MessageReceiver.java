package io.mailserver.mta.smtp;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;

import io.mailserver.net.Line;

/**
 * Receives message content line by line after 354 and streams it to the store (docs/design.md, contract 4:
 * nothing is held whole in memory; a line longer than the decoder's fragment size arrives in pieces).
 *
 * <ul>
 * <li>Only CRLF "." CRLF ends the data (RFC 5321 4.1.1.4): a "." line counts only when it ends in CRLF
 *     and the line before it did too. A bare LF or CR never ends anything (SMTP smuggling): it rejects
 *     the message ({@code smtp.bare-newline = reject}, as Postfix's {@code smtpd_forbid_bare_newline})
 *     or becomes CRLF ({@code normalize}); either way reading goes on to the real terminator, so a
 *     command hidden after a bare-LF dot stays message text.</li>
 * <li>Dot-unstuffing (RFC 5321 4.5.2): a leading dot is removed from a line that has more after it.</li>
 * <li>While streaming it enforces the size limit (RFC 1870), counts Received headers (loop detection,
 *     RFC 5321 6.3), checks the operator's content rules and the 998-octet line limit when configured
 *     (RFC 5322 2.1.1). After the first problem nothing more is written; the caller answers at the end
 *     and commits nothing.</li>
 * </ul>
 * Bytes written: exactly what the client sent, minus stuffing and terminator, with CRLF line ends.
 */
final class MessageReceiver {
    enum Problem { NONE, TOO_BIG, BARE_NEWLINE, LONG_LINE, LOOP, CONTENT, STORE_FAILED }

    /** RFC 5322 2.1.1: at most 998 characters per line, CRLF excluded. */
    static final int MAX_LINE = 998;
    private static final byte[] CRLF = {'\r', '\n'};

    private final OutputStream out;
    private final long maxSize;
    private final boolean rejectBareNewline;
    private final boolean rejectLongLines;
    private final int maxReceivedHeaders;
    private final ContentRules rules;

    private Line.Ending previousEnding = Line.Ending.CRLF; // the DATA command's own CRLF
    private boolean atLineStart = true;
    private boolean lineInHeaders;
    private boolean inHeaders = true;
    private long lineLength;
    private long size;
    private int receivedHeaders;
    private final StringBuilder header = new StringBuilder();
    private Problem problem = Problem.NONE;
    private Exception storeError;

    MessageReceiver(OutputStream content, long maxSize, boolean rejectBareNewline, boolean rejectLongLines,
                    int maxReceivedHeaders, ContentRules rules) {
        this.out = new BufferedOutputStream(content, 16 * 1024);
        this.maxSize = maxSize;
        this.rejectBareNewline = rejectBareNewline;
        this.rejectLongLines = rejectLongLines;
        this.maxReceivedHeaders = maxReceivedHeaders;
        this.rules = rules;
    }

    /** @return true if this line was the terminating "." (the caller then calls {@link #finish()}). */
    boolean accept(Line line) {
        byte[] b = line.bytes();
        int off = 0;
        int len = b.length;
        if (atLineStart) {
            if (len == 1 && b[0] == '.' && line.ending() == Line.Ending.CRLF && previousEnding == Line.Ending.CRLF) {
                return true;
            }
            if (len > 1 && b[0] == '.') {
                off = 1;
                len--;
            }
            startLine(b, off, len);
        }
        lineLength += len;
        if (problem == Problem.NONE) {
            if (rejectLongLines && lineLength > MAX_LINE) {
                problem = Problem.LONG_LINE;
            } else if (lineInHeaders) {
                appendHeader(b, off, len);
            } else if (!rules.isEmpty() && rules.matches(ContentRules.decode(b, off, len))) {
                problem = Problem.CONTENT;
            }
        }
        write(b, off, len);
        switch (line.ending()) {
            case CRLF -> write(CRLF, 0, 2);
            case BARE_LF, BARE_CR -> {
                if (rejectBareNewline) {
                    fail(Problem.BARE_NEWLINE);
                } else {
                    write(CRLF, 0, 2);
                }
            }
            case NONE -> { }
        }
        atLineStart = line.isComplete();
        if (atLineStart) {
            previousEnding = line.ending();
            lineLength = 0;
        }
        return false;
    }

    /** Call after the terminator: completes header checks and flushes. */
    Problem finish() {
        endHeaderField();
        if (problem == Problem.NONE) {
            try {
                out.flush();
            } catch (IOException | RuntimeException e) {
                storeError = e;
                problem = Problem.STORE_FAILED;
            }
        }
        return problem;
    }

    Problem problem() {
        return problem;
    }

    Exception storeError() {
        return storeError;
    }

    /** Content octets received so far (after unstuffing, CRLF line ends, without our Received header). */
    long size() {
        return size;
    }

    int receivedHeaders() {
        return receivedHeaders;
    }

    private void startLine(byte[] b, int off, int len) {
        lineInHeaders = inHeaders;
        if (!inHeaders) {
            return;
        }
        if (len == 0) {
            // RFC 5322 2.1: the first empty line ends the header section
            endHeaderField();
            inHeaders = false;
            lineInHeaders = false;
            return;
        }
        if (b[off] == ' ' || b[off] == '\t') {
            return; // a folded continuation of the field before (RFC 5322 2.2.3)
        }
        endHeaderField();
        if (isReceived(b, off, len) && ++receivedHeaders > maxReceivedHeaders) {
            fail(Problem.LOOP);
        }
    }

    private void appendHeader(byte[] b, int off, int len) {
        if (rules.isEmpty()) {
            return;
        }
        if (header.length() + len > ContentRules.MAX_HEADER) {
            endHeaderField();
        }
        header.append(ContentRules.decode(b, off, len));
    }

    private void endHeaderField() {
        if (header.length() > 0) {
            if (problem == Problem.NONE && rules.matches(header)) {
                problem = Problem.CONTENT;
            }
            header.setLength(0);
        }
    }

    /** {@code Received:} (any case; RFC 5322 4.5 allows white space before the colon). */
    private static boolean isReceived(byte[] b, int off, int len) {
        String name = "received";
        if (len < name.length() + 1) {
            return false;
        }
        for (int i = 0; i < name.length(); i++) {
            if (Character.toLowerCase((char) b[off + i]) != name.charAt(i)) {
                return false;
            }
        }
        int i = off + name.length();
        while (i < off + len && (b[i] == ' ' || b[i] == '\t')) {
            i++;
        }
        return i < off + len && b[i] == ':';
    }

    private void write(byte[] b, int off, int len) {
        if (problem != Problem.NONE || len == 0) {
            return;
        }
        if (size + len > maxSize) {
            fail(Problem.TOO_BIG);
            return;
        }
        size += len;
        try {
            out.write(b, off, len);
        } catch (IOException | RuntimeException e) {
            storeError = e;
            problem = Problem.STORE_FAILED;
        }
    }

    private void fail(Problem p) {
        if (problem == Problem.NONE) {
            problem = p;
        }
    }
}
