package io.mailserver.mailauth.dkim;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * Splits a message written to it into its header fields (kept, as DKIM needs them whole) and its body
 * (passed on as it comes, never kept). The header section is bounded: past {@link #MAX_HEADER_SECTION}
 * octets the rest of it is dropped and {@link #headerOverflow()} says so, so a hostile message cannot
 * make this hold more than that.
 */
final class MessageParser extends OutputStream {
    /** Far above any real header section; SMTP line and size limits apply before this. */
    static final int MAX_HEADER_SECTION = 1024 * 1024;

    interface Handler {
        /** Called once, at the empty line that ends the header section (or at the end, if there is none). */
        BodySink headers(List<HeaderField> fields);
    }

    interface BodySink {
        void body(byte[] b, int off, int len);
    }

    private final Handler handler;
    private final List<HeaderField> fields = new ArrayList<>();
    private final ByteArrayOutputStream line = new ByteArrayOutputStream(256);
    private final ByteArrayOutputStream field = new ByteArrayOutputStream(256);
    private long headerOctets;
    private boolean headerOverflow;
    private long overflowLine;
    private boolean lastWasCr;
    private BodySink sink;
    private boolean finished;

    MessageParser(Handler handler) {
        this.handler = handler;
    }

    boolean headerOverflow() {
        return headerOverflow;
    }

    @Override
    public void write(int b) {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) {
        if (finished) {
            throw new IllegalStateException("message already finished");
        }
        int i = off;
        int end = off + len;
        while (sink == null && i < end) {
            byte c = b[i++];
            if (!headerOverflow && ++headerOctets > MAX_HEADER_SECTION) {
                headerOverflow = true;
                overflowLine = line.size();
                line.reset();
            }
            if (!headerOverflow) {
                line.write(c);
                if (c == '\n') {
                    endOfLine();
                }
            } else if (c == '\n') {
                // past the bound nothing is kept; only the empty line that ends the section is looked for
                if (overflowLine == 0 || (overflowLine == 1 && lastWasCr)) {
                    endOfHeaders();
                }
                overflowLine = 0;
                lastWasCr = false;
            } else {
                overflowLine++;
                lastWasCr = c == '\r';
            }
        }
        if (sink != null && i < end) {
            sink.body(b, i, end - i);
        }
    }

    /** Ends the message; a header section without the empty line after it ends here (empty body). */
    void finish() {
        if (finished) {
            return;
        }
        if (sink == null) {
            if (line.size() > 0) {
                addToField(line.toByteArray());
            }
            endOfHeaders();
        }
        finished = true;
    }

    private void endOfLine() {
        byte[] l = line.toByteArray();
        line.reset();
        boolean empty = (l.length == 2 && l[0] == '\r') || l.length == 1;
        if (empty) {
            endOfHeaders();
            return;
        }
        addToField(l);
    }

    private void addToField(byte[] l) {
        boolean continuation = l[0] == ' ' || l[0] == '\t';
        if (!continuation) {
            flushField();
        }
        field.write(l, 0, l.length);
    }

    private void flushField() {
        if (field.size() > 0) {
            byte[] f = field.toByteArray();
            fields.add(HeaderField.of(f, 0, f.length));
            field.reset();
        }
    }

    private void endOfHeaders() {
        flushField();
        sink = handler.headers(List.copyOf(fields));
    }
}
