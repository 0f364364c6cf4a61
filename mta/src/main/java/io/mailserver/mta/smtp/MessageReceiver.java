package io.mailserver.mta.smtp;

import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;

import io.mailserver.mta.smtp.check.CheckResult;
import io.mailserver.mta.smtp.check.HeaderField;
import io.mailserver.mta.smtp.check.MessageScan;
import io.mailserver.session.Line;

/**
 * Receives message content line by line after 354 and streams it to the store (docs/design.md, contract 4:
 * nothing is held whole in memory; a line longer than the decoder's fragment size arrives in pieces), showing
 * it to the DATA_END checks' {@link MessageScan}s on the way.
 *
 * <ul>
 * <li>Only CRLF "." CRLF ends the data (RFC 5321 4.1.1.4): a "." line counts only when it ends in CRLF
 *     and the line before it did too. A bare LF or CR never ends anything (SMTP smuggling): it rejects
 *     the message ({@code smtp.bare-newline = reject}, as Postfix's {@code smtpd_forbid_bare_newline})
 *     or becomes CRLF ({@code normalize}); either way reading goes on to the real terminator, so a
 *     command hidden after a bare-LF dot stays message text.</li>
 * <li>Dot-unstuffing (RFC 5321 4.5.2): a leading dot is removed from a line that has more after it.</li>
 * <li>The 998-octet line limit (RFC 5322 2.1.1) when configured.</li>
 * <li>Each header field is held until it is complete (at most {@link HeaderField#MAX_LENGTH}, longer ones go in
 *     pieces), shown to the scans, then stored unless a scan leaves it out; body lines are shown and stored as
 *     they come.</li>
 * </ul>
 * After the first refusal (a scan's, or one of the framing rules above) nothing more is written or scanned;
 * the caller answers at the end and commits nothing. Bytes written: exactly what the client sent, minus
 * stuffing and terminator, with CRLF line ends.
 */
final class MessageReceiver {
    /** RFC 5322 2.1.1: at most 998 characters per line, CRLF excluded. */
    static final int MAX_LINE = 998;
    private static final byte[] CRLF = {'\r', '\n'};

    private final OutputStream out;
    private final boolean rejectBareNewline;
    private final boolean rejectLongLines;
    private final List<MessageScan> scans;

    private Line.Ending previousEnding = Line.Ending.CRLF; // the DATA command's own CRLF
    private boolean atLineStart = true;
    private boolean inHeaders = true;
    private long lineLength;
    private long size;
    /** The header field being received, and whether earlier pieces of it have gone already. */
    private final ByteArrayOutputStream field = new ByteArrayOutputStream();
    private boolean fieldContinued;
    private CheckResult refusal;
    private Exception storeError;
    private final List<String> headersToAdd = new ArrayList<>();

    MessageReceiver(OutputStream content, boolean rejectBareNewline, boolean rejectLongLines, List<MessageScan> scans) {
        this.out = new BufferedOutputStream(content, 16 * 1024);
        this.rejectBareNewline = rejectBareNewline;
        this.rejectLongLines = rejectLongLines;
        this.scans = List.copyOf(scans);
    }

    /** @return true if this line was the terminating "." (the caller then calls {@link #finish()}). */
    boolean accept(Line line) {
        byte[] b = line.bytes();
        int off = 0;
        int len = b.length;
        boolean headerSectionEnds = false;
        if (atLineStart) {
            if (len == 1 && b[0] == '.' && line.ending() == Line.Ending.CRLF && previousEnding == Line.Ending.CRLF) {
                return true;
            }
            if (len > 1 && b[0] == '.') {
                off = 1;
                len--;
            }
            if (inHeaders && (len == 0 || (b[off] != ' ' && b[off] != '\t'))) {
                endField(); // a new field starts, or (an empty line, RFC 5322 2.1) the header section ends
                headerSectionEnds = len == 0;
            }
        }
        lineLength += len;
        if (rejectLongLines && lineLength > MAX_LINE) {
            refuse(CheckResult.reject(Replies.LONG_LINE_IN_DATA));
        }
        boolean bare = line.ending() == Line.Ending.BARE_LF || line.ending() == Line.Ending.BARE_CR;
        if (bare && rejectBareNewline) {
            refuse(CheckResult.reject(Replies.BARE_NEWLINE_IN_DATA));
        }
        boolean endsLine = line.isComplete();
        if (headerSectionEnds) {
            inHeaders = false;
            scan(MessageScan::headerEnd);
            write(CRLF, 0, 2);
        } else if (inHeaders) {
            field.write(b, off, len);
            if (endsLine) {
                field.write(CRLF, 0, 2);
            }
            if (field.size() > HeaderField.MAX_LENGTH) {
                passField(false); // bounded memory: this long field goes on in pieces
            }
        } else {
            int from = off;
            int length = len;
            scan(s -> s.bodyLine(b, from, length, endsLine));
            write(b, off, len);
            if (endsLine) {
                write(CRLF, 0, 2);
            }
        }
        atLineStart = endsLine;
        if (atLineStart) {
            previousEnding = line.ending();
            lineLength = 0;
        }
        return false;
    }

    /**
     * Call after the terminator: completes the header, flushes, and asks the scans for their verdicts. A refusal
     * (the first one met while streaming, or the first scan's at the end) decides; otherwise the acceptance,
     * with the scans' header fields in {@link #headersToAdd()}.
     */
    CheckResult finish() {
        endField();
        if (refusal == null) {
            try {
                out.flush();
            } catch (IOException | RuntimeException e) {
                storeFailed(e);
            }
        }
        for (MessageScan s : scans) {
            if (refusal != null) {
                break;
            }
            CheckResult r = s.end();
            if (r.accepted()) {
                r.header().ifPresent(headersToAdd::add);
            } else {
                refusal = r;
            }
        }
        return refusal == null ? CheckResult.accept() : refusal;
    }

    /** Header fields the DATA_END checks want on top of the message, in the order of the checks. */
    List<String> headersToAdd() {
        return headersToAdd;
    }

    /** Why the content could not be written, when the refusal is a store failure; else null. */
    Exception storeError() {
        return storeError;
    }

    /** Content octets received so far (after unstuffing, CRLF line ends, without our Received header). */
    long size() {
        return size;
    }

    private void endField() {
        if (field.size() > 0) {
            passField(true);
        }
    }

    /** Shows the held field (or piece of one) to the scans, then stores it unless one of them wants it left out. */
    private void passField(boolean last) {
        HeaderField f = new HeaderField(field.toByteArray(), !fieldContinued, last && !fieldContinued);
        field.reset();
        fieldContinued = !last;
        scan(s -> s.headerField(f));
        if (f.whole() && !scans.stream().allMatch(s -> s.keep(f))) {
            return; // a scan wants it out of the stored message
        }
        write(f.bytes(), 0, f.bytes().length);
    }

    private interface Step {
        CheckResult ask(MessageScan scan);
    }

    private void scan(Step step) {
        for (MessageScan s : scans) {
            if (refusal != null) {
                return;
            }
            CheckResult r = step.ask(s);
            if (!r.accepted()) {
                refuse(r);
            }
        }
    }

    private void write(byte[] b, int off, int len) {
        if (refusal != null || len == 0) {
            return;
        }
        size += len;
        try {
            out.write(b, off, len);
        } catch (IOException | RuntimeException e) {
            storeFailed(e);
        }
    }

    private void storeFailed(Exception e) {
        storeError = e;
        refuse(CheckResult.tempFail(Replies.LOCAL_ERROR));
    }

    private void refuse(CheckResult r) {
        if (refusal == null) {
            refusal = r;
        }
    }
}
