package io.mailserver.pop3;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

class MessageBodyTest {

    static byte[] render(byte[] content, long bodyLines, int bufferSize) throws IOException {
        AtomicLong reported = new AtomicLong(-1);
        MessageBody body = new MessageBody(new ByteArrayInputStream(content), bodyLines, reported::set);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buf = new byte[bufferSize];
        int n;
        while ((n = body.read(buf, 0, buf.length)) >= 0) {
            out.write(buf, 0, n);
        }
        body.close();
        assertEquals(out.size(), reported.get(), "reported octets");
        return out.toByteArray();
    }

    static String render(String content, long bodyLines) throws IOException {
        return new String(render(content.getBytes(StandardCharsets.ISO_8859_1), bodyLines, 65536), StandardCharsets.ISO_8859_1);
    }

    /** The obvious (whole-string) version of RFC 1939 byte-stuffing, to compare the streaming one against. */
    static byte[] reference(byte[] content) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        boolean lineStart = true;
        for (byte b : content) {
            if (lineStart && b == '.') {
                out.write('.');
            }
            out.write(b);
            lineStart = b == '\n';
        }
        if (content.length > 0 && content[content.length - 1] != '\n') {
            out.writeBytes("\r\n".getBytes(StandardCharsets.US_ASCII));
        }
        out.writeBytes(".\r\n".getBytes(StandardCharsets.US_ASCII));
        return out.toByteArray();
    }

    @Test
    void stuffsLeadingDotsAndTerminates() throws IOException {
        assertEquals("Subject: x\r\n\r\n..hidden\r\n...\r\nnot.start\r\n.\r\n",
                render("Subject: x\r\n\r\n.hidden\r\n..\r\nnot.start\r\n", -1));
    }

    @Test
    void aLoneDotLineCannotEndTheResponseEarly() throws IOException {
        assertEquals("a\r\n..\r\nb\r\n.\r\n", render("a\r\n.\r\nb\r\n", -1));
    }

    @Test
    void firstByteDotIsStuffed() throws IOException {
        assertEquals("..x\r\n.\r\n", render(".x\r\n", -1));
    }

    @Test
    void emptyMessageIsJustTheTerminator() throws IOException {
        assertEquals(".\r\n", render("", -1));
    }

    @Test
    void missingFinalCrlfIsAddedBeforeTheTerminator() throws IOException {
        assertEquals("a\r\nb\r\n.\r\n", render("a\r\nb", -1));
    }

    @Test
    void eightBitBytesPassUnchanged() throws IOException {
        byte[] content = {'S', ':', ' ', (byte) 0xc3, (byte) 0xa9, '\r', '\n', '\r', '\n', (byte) 0xff, 0, '.', '\r', '\n'};
        assertArrayEquals(reference(content), render(content, -1, 65536));
    }

    @Test
    void topSendsHeadersBlankLineAndNBodyLines() throws IOException {
        String msg = "A: 1\r\nB: 2\r\n\r\nl1\r\n.l2\r\nl3\r\n";
        assertEquals("A: 1\r\nB: 2\r\n\r\n.\r\n", render(msg, 0));
        assertEquals("A: 1\r\nB: 2\r\n\r\nl1\r\n.\r\n", render(msg, 1));
        assertEquals("A: 1\r\nB: 2\r\n\r\nl1\r\n..l2\r\n.\r\n", render(msg, 2));
        assertEquals("A: 1\r\nB: 2\r\n\r\nl1\r\n..l2\r\nl3\r\n.\r\n", render(msg, 3));
        assertEquals("A: 1\r\nB: 2\r\n\r\nl1\r\n..l2\r\nl3\r\n.\r\n", render(msg, Long.MAX_VALUE));
    }

    @Test
    void topOfMessageWithoutBodySendsItWhole() throws IOException {
        assertEquals("A: 1\r\nB: 2\r\n.\r\n", render("A: 1\r\nB: 2\r\n", 0));
    }

    @Test
    void topStopsReadingAndClosesTheStream() throws IOException {
        AtomicBoolean closed = new AtomicBoolean();
        InputStream in = new ByteArrayInputStream("A: 1\r\n\r\nbody\r\n".repeat(1).getBytes(StandardCharsets.US_ASCII)) {
            @Override
            public void close() {
                closed.set(true);
            }
        };
        MessageBody body = new MessageBody(in, 0, n -> { });
        byte[] buf = new byte[100];
        int n = body.read(buf, 0, buf.length);
        assertEquals("A: 1\r\n\r\n.\r\n", new String(buf, 0, n, StandardCharsets.US_ASCII));
        assertEquals(-1, body.read(buf, 0, buf.length));
        body.close();
        assertTrue(closed.get());
    }

    @Test
    void anyBufferSizeGivesTheSameBytes() throws IOException {
        Random r = new Random(42);
        byte[] alphabet = {'.', '.', '\r', '\n', 'a', ' ', (byte) 0xe9};
        for (int trial = 0; trial < 200; trial++) {
            byte[] content = new byte[r.nextInt(300)];
            for (int i = 0; i < content.length; i++) {
                content[i] = alphabet[r.nextInt(alphabet.length)];
            }
            byte[] expected = reference(content);
            for (int size = 2; size < 12; size++) {
                assertArrayEquals(expected, render(content, -1, size), "trial " + trial + " buffer " + size);
            }
        }
    }

    @Test
    void largeInputsCrossTheInternalBufferBoundary() throws IOException {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 5000; i++) {
            sb.append(i % 3 == 0 ? "." : "").append("line ").append(i).append("\r\n");
        }
        byte[] content = sb.toString().getBytes(StandardCharsets.US_ASCII);
        assertArrayEquals(reference(content), render(content, -1, 65536));
        assertArrayEquals(reference(content), render(content, -1, 8191));
    }

    /** An input stream that hands out its content in pieces of the given sizes (then the rest), as the store's chunks do. */
    static InputStream inPieces(byte[] content, int... sizes) {
        return new ByteArrayInputStream(content) {
            private int piece;

            @Override
            public synchronized int read(byte[] b, int off, int len) {
                int limit = piece < sizes.length ? sizes[piece++] : len;
                return super.read(b, off, Math.min(len, limit));
            }
        };
    }

    static byte[] renderInPieces(byte[] content, long bodyLines, int outSize, int... pieces) throws IOException {
        MessageBody body = new MessageBody(inPieces(content, pieces), bodyLines, n -> { });
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buf = new byte[outSize];
        for (int n; (n = body.read(buf, 0, buf.length)) >= 0; ) {
            out.write(buf, 0, n);
        }
        body.close();
        return out.toByteArray();
    }

    @Test
    void linesSplitAcrossInputReadsAreStuffedAndCountedAlike() throws IOException {
        byte[] content = "A: 1\r\n\r\n.one\r\ntwo\r\n.\r\n..four\r\nfive\r\n".getBytes(StandardCharsets.US_ASCII);
        byte[] whole = reference(content);
        // every split point: a dot line starting exactly at a read boundary, CR and LF in different reads
        for (int first = 1; first < content.length; first++) {
            for (int outSize : new int[] {2, 3, 7, 65536}) {
                assertArrayEquals(whole, renderInPieces(content, -1, outSize, first, 1, 2), "split at " + first + ", out " + outSize);
                assertArrayEquals(render(content, 2, 65536), renderInPieces(content, 2, outSize, first, 1),
                        "TOP, split at " + first + ", out " + outSize);
            }
        }
        assertEquals("A: 1\r\n\r\n..one\r\ntwo\r\n.\r\n", new String(renderInPieces(content, 2, 65536, 10, 1), StandardCharsets.US_ASCII));
    }

    @Test
    void blankLineEndingHeadersIsFoundWhenItsCrlfIsSplit() throws IOException {
        byte[] content = "A: 1\r\n\r\nbody1\r\nbody2\r\n".getBytes(StandardCharsets.US_ASCII);
        // the blank line's CR ends one read and its LF starts the next
        assertEquals("A: 1\r\n\r\nbody1\r\n.\r\n", new String(renderInPieces(content, 1, 65536, 7, 1), StandardCharsets.US_ASCII));
        assertEquals("A: 1\r\n\r\n.\r\n", new String(renderInPieces(content, 0, 65536, 7, 1), StandardCharsets.US_ASCII));
    }
}
