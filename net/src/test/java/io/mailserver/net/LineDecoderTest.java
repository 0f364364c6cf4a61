package io.mailserver.net;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import org.apache.mina.core.buffer.IoBuffer;
import org.apache.mina.filter.codec.ProtocolCodecSession;
import org.junit.jupiter.api.Test;
import io.mailserver.session.Line;

class LineDecoderTest {

    /** Feeds {@code input} to a fresh decoder in pieces cut at the given offsets and returns what it emitted. */
    private static List<Line> decode(byte[] input, int fragmentSize, int... cuts) throws Exception {
        LineDecoder decoder = new LineDecoder(fragmentSize);
        // the dummy test session claims a non-fragmenting transport; TCP fragments, so accumulate as TCP does
        decoder.setTransportMetadataFragmentation(false);
        ProtocolCodecSession session = new ProtocolCodecSession();
        List<Line> lines = new ArrayList<>();
        var out = session.getDecoderOutput();
        int from = 0;
        List<Integer> points = new ArrayList<>();
        for (int c : cuts) {
            points.add(c);
        }
        points.add(input.length);
        for (int to : points) {
            IoBuffer buf = IoBuffer.wrap(input, from, to - from);
            decoder.decode(session, buf, out);
            while (!session.getDecoderOutputQueue().isEmpty()) {
                lines.add((Line) session.getDecoderOutputQueue().poll());
            }
            from = to;
        }
        return lines;
    }

    private static String render(List<Line> lines) {
        StringBuilder sb = new StringBuilder();
        for (Line l : lines) {
            sb.append(l.text()).append('<').append(l.ending()).append('>');
        }
        return sb.toString();
    }

    @Test
    void emitsTheSameLinesWhereverTheInputIsSplit() throws Exception {
        byte[] input = "EHLO x\r\nMAIL FROM:<a@b>\r\n\r\n.\r\n".getBytes(StandardCharsets.US_ASCII);
        String expected = "EHLO x<CRLF>MAIL FROM:<a@b><CRLF><CRLF>.<CRLF>";
        assertEquals(expected, render(decode(input, 1024)));
        for (int i = 0; i <= input.length; i++) {
            for (int j = i; j <= input.length; j++) {
                assertEquals(expected, render(decode(input, 1024, i, j)), "split at " + i + "," + j);
            }
        }
    }

    @Test
    void bareLineEndsAreReportedNeverTakenForCrlf() throws Exception {
        byte[] input = "a\nb\rc\r\n\n.\n.\r\n".getBytes(StandardCharsets.US_ASCII);
        String expected = "a<BARE_LF>b<BARE_CR>c<CRLF><BARE_LF>.<BARE_LF>.<CRLF>";
        for (int i = 0; i <= input.length; i++) {
            assertEquals(expected, render(decode(input, 1024, i)), "split at " + i);
        }
    }

    @Test
    void bytesArePassedThroughExactly() throws Exception {
        byte[] input = {(byte) 0xC3, (byte) 0xA9, 0, 1, (byte) 0xFF, '\r', '\n'};
        List<Line> lines = decode(input, 1024);
        assertEquals(1, lines.size());
        assertArrayEquals(new byte[] {(byte) 0xC3, (byte) 0xA9, 0, 1, (byte) 0xFF}, lines.get(0).bytes());
    }

    @Test
    void longLinesComeOutInBoundedFragments() throws Exception {
        byte[] input = ("x".repeat(100) + "\r\n").getBytes(StandardCharsets.US_ASCII);
        for (int i = 0; i <= input.length; i++) {
            List<Line> lines = decode(input, 32, i);
            StringBuilder all = new StringBuilder();
            for (int k = 0; k < lines.size(); k++) {
                Line l = lines.get(k);
                assertTrue(l.length() <= 32, "fragment too long");
                assertEquals(k == lines.size() - 1 ? Line.Ending.CRLF : Line.Ending.NONE, l.ending());
                all.append(l.text());
            }
            assertEquals("x".repeat(100), all.toString());
        }
    }

    @Test
    void reportsBytesBufferedBehindALine() throws Exception {
        List<Line> lines = decode("STARTTLS\r\nEHLO x\r\n".getBytes(StandardCharsets.US_ASCII), 1024);
        assertTrue(lines.get(0).moreBuffered(), "pipelined bytes after STARTTLS must be visible");
        assertFalse(lines.get(1).moreBuffered());
        List<Line> alone = decode("STARTTLS\r\n".getBytes(StandardCharsets.US_ASCII), 1024);
        assertFalse(alone.get(0).moreBuffered());
    }

    @Test
    void directBuffersDecodeLikeHeapBuffers() throws Exception {
        byte[] input = ("a\nb\rc\r\n" + "x".repeat(40) + "\r\n").getBytes(StandardCharsets.US_ASCII);
        LineDecoder decoder = new LineDecoder(16);
        ProtocolCodecSession session = new ProtocolCodecSession();
        IoBuffer direct = IoBuffer.allocate(input.length, true);
        direct.put(input).flip();
        assertFalse(direct.hasArray());
        decoder.decode(session, direct, session.getDecoderOutput());
        List<Line> lines = new ArrayList<>();
        while (!session.getDecoderOutputQueue().isEmpty()) {
            lines.add((Line) session.getDecoderOutputQueue().poll());
        }
        assertEquals(render(decode(input, 16)), render(lines));
        assertEquals("a<BARE_LF>b<BARE_CR>c<CRLF>" + "x".repeat(16) + "<NONE>" + "x".repeat(16) + "<NONE>" + "x".repeat(8) + "<CRLF>",
                render(lines));
    }
}
