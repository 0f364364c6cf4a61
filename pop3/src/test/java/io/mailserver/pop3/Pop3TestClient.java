package io.mailserver.pop3;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** A deliberately plain POP3 client over a socket: exact bytes in, exact bytes out. */
final class Pop3TestClient implements AutoCloseable {
    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;
    final String greeting;
    /** For scripts: the greeting, until a script line reads it. */
    String pendingGreeting;

    Pop3TestClient(int port) {
        try {
            socket = new Socket("127.0.0.1", port);
            socket.setSoTimeout(15_000);
            socket.setTcpNoDelay(true);
            in = new BufferedInputStream(socket.getInputStream());
            out = socket.getOutputStream();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        greeting = readLine();
    }

    String takeGreeting() {
        String g = pendingGreeting;
        pendingGreeting = null;
        return g;
    }

    /** One line without its CRLF (ISO-8859-1, one char per byte); null at end of stream. */
    String readLine() {
        try {
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            int prev = -1;
            while (true) {
                int c = in.read();
                if (c < 0) {
                    return b.size() == 0 ? null : b.toString(StandardCharsets.ISO_8859_1);
                }
                if (c == '\n' && prev == '\r') {
                    byte[] bytes = b.toByteArray();
                    return new String(bytes, 0, bytes.length - 1, StandardCharsets.ISO_8859_1);
                }
                b.write(c);
                prev = c;
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    void sendRaw(String text) {
        sendRaw(text.getBytes(StandardCharsets.UTF_8));
    }

    void sendRaw(byte[] bytes) {
        try {
            out.write(bytes);
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    void send(String line) {
        sendRaw(line + "\r\n");
    }

    /** Sends a command and returns the first reply line. */
    String cmd(String line) {
        send(line);
        return readLine();
    }

    /** Reads the lines of a multi-line reply after its status line, up to the lone dot, un-stuffed. */
    List<String> readMultiLine() {
        List<String> lines = new ArrayList<>();
        while (true) {
            String l = readLine();
            if (l == null) {
                throw new AssertionError("connection closed inside a multi-line reply");
            }
            if (l.equals(".")) {
                return lines;
            }
            lines.add(l.startsWith(".") ? l.substring(1) : l);
        }
    }

    /** A multi-line command: asserts +OK and returns the lines. */
    List<String> multi(String command) {
        String status = cmd(command);
        assertTrue(status.startsWith("+OK"), command + " -> " + status);
        return readMultiLine();
    }

    /** The raw bytes of a multi-line reply body, up to and including CRLF.CRLF, still stuffed. */
    byte[] readRawBody() {
        try {
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            byte[] last = new byte[5];
            while (true) {
                int c = in.read();
                if (c < 0) {
                    throw new AssertionError("connection closed inside a multi-line reply");
                }
                b.write(c);
                System.arraycopy(last, 1, last, 0, 4);
                last[4] = (byte) c;
                int n = b.size();
                if (n == 3 && last[2] == '.' && last[3] == '\r' && last[4] == '\n') {
                    return b.toByteArray();
                }
                if (n >= 5 && last[0] == '\r' && last[1] == '\n' && last[2] == '.' && last[3] == '\r' && last[4] == '\n') {
                    return b.toByteArray();
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** RETR n: asserts +OK and returns the message as stored (byte-stuffing and terminator removed). */
    byte[] retr(int n) {
        String status = cmd("RETR " + n);
        assertTrue(status.startsWith("+OK"), "RETR -> " + status);
        return unstuff(readRawBody());
    }

    /** Removes RFC 1939 byte-stuffing and the final ".\r\n" from a raw multi-line body. */
    static byte[] unstuff(byte[] raw) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int end = raw.length - 3;
        boolean lineStart = true;
        for (int i = 0; i < end; i++) {
            byte c = raw[i];
            if (lineStart && c == '.') {
                lineStart = false;
                continue;
            }
            b.write(c);
            lineStart = c == '\n';
        }
        return b.toByteArray();
    }

    void login(String user, String password) {
        assertTrue(cmd("USER " + user).startsWith("+OK"));
        String r = cmd("PASS " + password);
        assertTrue(r.startsWith("+OK"), "PASS -> " + r);
    }

    /** True if the server closes the connection (EOF) before anything more arrives. */
    boolean closedByServer() {
        try {
            return in.read() < 0;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            return true;
        }
    }

    /** Waits up to {@code millis} for the server to close; false if the connection is still open. */
    boolean closedByServerWithin(int millis) {
        try {
            int old = socket.getSoTimeout();
            socket.setSoTimeout(millis);
            try {
                return closedByServer();
            } finally {
                socket.setSoTimeout(old);
            }
        } catch (IOException e) {
            return true;
        }
    }

    void setReadTimeout(int millis) {
        try {
            socket.setSoTimeout(millis);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    void quit() {
        String r = cmd("QUIT");
        assertTrue(r.startsWith("+OK"), "QUIT -> " + r);
        assertEquals(true, closedByServer());
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException e) {
            // closing anyway
        }
    }
}
