package io.mailserver.pop3;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import io.mailserver.store.Delivery;
import io.mailserver.store.User;

/**
 * A message far larger than the test JVM's heap share (surefire runs this module with -Xmx96m) goes out
 * byte-exact: RETR streams from the store and stuffs on the fly (docs/design.md, contract 4). Both ends hash
 * instead of keeping the bytes.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class Pop3LargeMessageTest {
    private static final long SIZE = 60L * 1024 * 1024;

    @Test
    void sixtyMegabytesStreamWithConstantHeap() throws Exception {
        try (Pop3Fixture f = Pop3Fixture.start()) {
            User u = f.addUser("big@example.test", "pw");
            MessageDigest expected = MessageDigest.getInstance("SHA-256");
            expected.update("Return-Path: <s@remote.test>\r\n".getBytes(StandardCharsets.US_ASCII));
            long contentSize = 0;
            try (Delivery d = f.temp.store().messages().begin("s@remote.test", "QBIG")) {
                OutputStream out = d.content();
                byte[] header = "Subject: big\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
                out.write(header);
                expected.update(header);
                contentSize += header.length;
                for (int i = 0; contentSize < SIZE; i++) {
                    byte[] line = ((i % 5 == 0 ? "." : "") + "line " + i + " \u00e9 " + "x".repeat(i % 100) + "\r\n")
                            .getBytes(StandardCharsets.UTF_8);
                    out.write(line);
                    expected.update(line);
                    contentSize += line.length;
                }
                out.close();
                d.addLocalRecipient(u.id());
                d.commit();
            }
            long total = contentSize + "Return-Path: <s@remote.test>\r\n".length();
            try (Socket s = new Socket("127.0.0.1", f.port())) {
                s.setSoTimeout(30_000);
                InputStream in = new BufferedInputStream(s.getInputStream(), 65536);
                OutputStream out = s.getOutputStream();
                out.write("USER big@example.test\r\nPASS pw\r\nRETR 1\r\nQUIT\r\n".getBytes(StandardCharsets.US_ASCII));
                out.flush();
                assertTrue(line(in).startsWith("+OK"), "greeting");
                assertTrue(line(in).startsWith("+OK"), "USER");
                assertTrue(line(in).startsWith("+OK"), "PASS");
                assertEquals("+OK " + total + " octets", line(in));
                MessageDigest actual = MessageDigest.getInstance("SHA-256");
                long received = unstuffInto(in, actual);
                assertEquals(total, received);
                assertArrayEquals(expected.digest(), actual.digest());
                assertTrue(line(in).startsWith("+OK"));
            }
        }
    }

    private static String line(InputStream in) throws IOException {
        StringBuilder sb = new StringBuilder();
        int prev = -1;
        for (int c; (c = in.read()) >= 0; prev = c) {
            if (c == '\n' && prev == '\r') {
                return sb.substring(0, sb.length() - 1);
            }
            sb.append((char) c);
        }
        return sb.toString();
    }

    /** Reads a stuffed multi-line body up to CRLF.CRLF, feeding the unstuffed bytes to the digest; returns their count. */
    private static long unstuffInto(InputStream in, MessageDigest digest) throws IOException {
        long count = 0;
        boolean lineStart = true;
        byte[] buf = new byte[65536];
        while (true) {
            int c = in.read();
            if (c < 0) {
                throw new IOException("closed inside the reply");
            }
            if (lineStart && c == '.') {
                int next = in.read();
                if (next == '\r') {
                    if (in.read() != '\n') {
                        throw new IOException("bad terminator");
                    }
                    return count;
                }
                c = next;
            }
            digest.update((byte) c);
            count++;
            lineStart = c == '\n';
            // fast path for the rest of the line
            int n = 0;
            while (!lineStart) {
                int b = in.read();
                if (b < 0) {
                    throw new IOException("closed inside the reply");
                }
                buf[n++] = (byte) b;
                lineStart = b == '\n';
                if (n == buf.length) {
                    digest.update(buf, 0, n);
                    count += n;
                    n = 0;
                }
            }
            digest.update(buf, 0, n);
            count += n;
        }
    }
}
