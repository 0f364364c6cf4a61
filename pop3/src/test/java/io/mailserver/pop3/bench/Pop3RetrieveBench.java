package io.mailserver.pop3.bench;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;

import io.mailserver.config.ServerConfig;
import io.mailserver.pop3.Pop3Service;
import io.mailserver.store.Delivery;
import io.mailserver.store.User;
import io.mailserver.testkit.TempStore;

/**
 * Measures POP3 retrieval: a maildrop of N messages of S bytes (default 2,000 x 10 KB) in a real H2
 * store, then one session that does LIST, RETR of every message, DELE of every message and QUIT, the
 * way a mail client downloads and removes its mail (one command at a time, waiting for each reply).
 * Not part of the test suite. Run from the repository root:
 *
 * <pre>
 * mvn -q -pl pop3 -am test-compile dependency:build-classpath -Dmdep.outputFile=/tmp/pop3-cp.txt -Dmdep.includeScope=test
 * java -cp pop3/target/test-classes:pop3/target/classes:$(cat /tmp/pop3-cp.txt) io.mailserver.pop3.bench.Pop3RetrieveBench [messages] [bytes] [rounds]
 * </pre>
 *
 * Add {@code pipelined} as a fourth argument to send each RETR+DELE pair in one write.
 */
public final class Pop3RetrieveBench {
    public static void main(String[] args) throws Exception {
        int messages = args.length > 0 ? Integer.parseInt(args[0]) : 2000;
        int size = args.length > 1 ? Integer.parseInt(args[1]) : 10 * 1024;
        int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 3;
        boolean pipelined = args.length > 3 && args[3].equals("pipelined");
        byte[] content = message(size);
        try (TempStore temp = TempStore.create()) {
            User user = temp.addUser("bench@example.test", "bench-pw");
            ServerConfig config = ServerConfig.fromMap(Map.of("server.data-dir", temp.dataDir().toString(),
                    "server.hostname", "bench.example.test", "pop3.listen", "127.0.0.1:0", "tls.allow-plaintext-auth", "true"));
            Pop3Service pop3 = Pop3Service.start(config, temp.store());
            try {
                for (int r = 1; r <= rounds; r++) {
                    long t0 = System.nanoTime();
                    for (int i = 0; i < messages; i++) {
                        try (Delivery d = temp.store().messages().begin("sender@remote.test", "B" + i)) {
                            d.content().write(content);
                            d.addLocalRecipient(user.id());
                            d.commit();
                        }
                    }
                    double fill = (System.nanoTime() - t0) / 1e9;
                    Result res = retrieveAll(pop3.port(), messages, pipelined);
                    System.out.printf("round %d: %d messages of %d bytes (filled in %.1f s): LIST+RETR+DELE+QUIT %.2f s, %.0f messages/s, "
                                    + "%.1f MB/s (%d bytes received)%s%n",
                            r, messages, size, fill, res.seconds, messages / res.seconds, res.bytes / res.seconds / 1e6, res.bytes,
                            pipelined ? ", pipelined" : "");
                    if (temp.store().maildrops().snapshot(user.id()).size() != 0) {
                        throw new IllegalStateException("maildrop not empty after QUIT");
                    }
                }
            } finally {
                pop3.shutdown(Duration.ofSeconds(5));
            }
        }
    }

    record Result(double seconds, long bytes) {
    }

    static Result retrieveAll(int port, int messages, boolean pipelined) throws IOException {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setTcpNoDelay(true);
            InputStream in = new BufferedInputStream(s.getInputStream(), 65536);
            OutputStream out = new BufferedOutputStream(s.getOutputStream());
            Counter c = new Counter(in);
            expectOk(c.line());
            command(out, "USER bench@example.test");
            expectOk(c.line());
            command(out, "PASS bench-pw");
            expectOk(c.line());
            long t0 = System.nanoTime();
            command(out, "LIST");
            expectOk(c.line());
            int listed = c.skipMultiLine();
            if (listed != messages) {
                throw new IllegalStateException("LIST gave " + listed + " messages");
            }
            for (int i = 1; i <= messages; i++) {
                if (pipelined) {
                    out.write(("RETR " + i + "\r\nDELE " + i + "\r\n").getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                    expectOk(c.line());
                    c.skipMultiLine();
                    expectOk(c.line());
                } else {
                    command(out, "RETR " + i);
                    expectOk(c.line());
                    c.skipMultiLine();
                    command(out, "DELE " + i);
                    expectOk(c.line());
                }
            }
            command(out, "QUIT");
            expectOk(c.line());
            return new Result((System.nanoTime() - t0) / 1e9, c.bytes);
        }
    }

    private static void command(OutputStream out, String line) throws IOException {
        out.write((line + "\r\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
    }

    private static void expectOk(String line) {
        if (line == null || !line.startsWith("+OK")) {
            throw new IllegalStateException("expected +OK, got " + line);
        }
    }

    /** Reads lines and counts every byte received; scans its own buffer so the client costs little CPU. */
    static final class Counter {
        private final InputStream in;
        private final byte[] buf = new byte[256 * 1024];
        private int pos;
        private int len;
        long bytes;

        Counter(InputStream in) {
            this.in = in;
        }

        private boolean fill() throws IOException {
            if (pos < len) {
                return true;
            }
            int n = in.read(buf, 0, buf.length);
            if (n < 0) {
                return false;
            }
            bytes += n;
            pos = 0;
            len = n;
            return true;
        }

        /** One line without CRLF, or null at end of stream. */
        String line() throws IOException {
            StringBuilder sb = new StringBuilder();
            while (fill()) {
                for (int i = pos; i < len; i++) {
                    if (buf[i] == '\n') {
                        sb.append(new String(buf, pos, i - pos, StandardCharsets.ISO_8859_1));
                        pos = i + 1;
                        sb.setLength(Math.max(0, sb.length() - 1));
                        return sb.toString();
                    }
                }
                sb.append(new String(buf, pos, len - pos, StandardCharsets.ISO_8859_1));
                pos = len;
            }
            return null;
        }

        /** Skips a multi-line body up to the line holding a lone dot; returns its number of lines. */
        int skipMultiLine() throws IOException {
            int lines = 0;
            boolean lineStart = true;
            int dotState = 0; // 1: "." at line start seen, 2: ".\r" seen
            while (fill()) {
                for (int i = pos; i < len; i++) {
                    byte b = buf[i];
                    if (dotState == 1) {
                        dotState = b == '\r' ? 2 : 0;
                    } else if (dotState == 2) {
                        if (b == '\n') {
                            pos = i + 1;
                            return lines;
                        }
                        dotState = 0;
                    } else if (lineStart && b == '.') {
                        dotState = 1;
                    }
                    if (b == '\n') {
                        lines++;
                        lineStart = true;
                    } else {
                        lineStart = false;
                    }
                }
                pos = len;
            }
            throw new IOException("connection closed");
        }
    }

    /** A plausible 10 KB text message: headers, then 76-column lines, some starting with a dot. */
    static byte[] message(int size) {
        StringBuilder sb = new StringBuilder("From: sender@remote.test\r\nTo: bench@example.test\r\nSubject: bench\r\n"
                + "Message-ID: <bench@remote.test>\r\n\r\n");
        int n = 0;
        while (sb.length() < size - 80) {
            sb.append(n++ % 25 == 0 ? "." : "x").append("abcdefghijklmnopqrstuvwxyz0123456789".repeat(2)).append("ABCDE\r\n");
        }
        while (sb.length() < size - 2) {
            sb.append('z');
        }
        sb.append("\r\n");
        return sb.toString().getBytes(StandardCharsets.US_ASCII);
    }
}
