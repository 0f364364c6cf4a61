package io.mailserver.server.reliability;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.regex.Pattern;

/**
 * A blocking line client for SMTP and POP3 tests: exact bytes out, exact lines in (ISO-8859-1, so one
 * char is one byte). Every reply line is checked against the protocol's reply grammar as it is read.
 */
class Wire implements AutoCloseable {
    /** RFC 5321 4.2: a three-digit code, then SP (last line) or "-" (more lines follow), text, CRLF. */
    static final Pattern SMTP_REPLY_LINE = Pattern.compile("[2-5][0-5][0-9][ -][^\r\n]*\r\n");

    final Socket socket;
    private final InputStream in;
    private final OutputStream out;

    Wire(Socket socket) throws IOException {
        this.socket = socket;
        this.in = new BufferedInputStream(socket.getInputStream(), 65536);
        this.out = socket.getOutputStream();
    }

    static Wire connect(int port) throws IOException {
        return connect(null, port, 15_000);
    }

    /** Connects from {@code source} (e.g. 127.0.0.2, to be an untrusted client on loopback), or any address if null. */
    static Wire connect(InetAddress source, int port, int readTimeoutMillis) throws IOException {
        Socket s = new Socket();
        try {
            s.setTcpNoDelay(true);
            if (source != null) {
                s.bind(new InetSocketAddress(source, 0));
            }
            s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 15_000);
            s.setSoTimeout(readTimeoutMillis);
            return new Wire(s);
        } catch (IOException e) {
            s.close();
            throw e;
        }
    }

    void write(String text) throws IOException {
        write(text.getBytes(StandardCharsets.ISO_8859_1));
    }

    void write(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
    }

    /** One line including its CRLF, or null at end of stream (a partial last line is returned as is). */
    String readLine() throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream(128);
        while (true) {
            int b = in.read();
            if (b < 0) {
                return line.size() == 0 ? null : line.toString(StandardCharsets.ISO_8859_1);
            }
            line.write(b);
            if (b == '\n') {
                return line.toString(StandardCharsets.ISO_8859_1);
            }
        }
    }

    /** A whole SMTP reply (every line of a multi-line one), each line checked; null at end of stream. */
    String smtpReply() throws IOException {
        StringBuilder sb = new StringBuilder();
        String code = null;
        while (true) {
            String line = readLine();
            if (line == null) {
                if (sb.length() > 0) {
                    throw new IOException("connection closed inside a multi-line reply: " + sb);
                }
                return null;
            }
            if (!SMTP_REPLY_LINE.matcher(line).matches()) {
                throw new AssertionError("malformed SMTP reply line: " + visible(line));
            }
            if (code != null && !line.startsWith(code)) {
                throw new AssertionError("reply code changed inside a multi-line reply: " + visible(sb + line));
            }
            code = line.substring(0, 3);
            sb.append(line);
            if (line.charAt(3) == ' ') {
                return sb.toString();
            }
        }
    }

    /** Sends one SMTP command (CRLF added) and returns its reply. */
    String smtp(String command) throws IOException {
        write(command + "\r\n");
        return smtpReply();
    }

    /** Sends an SMTP command and fails unless the reply starts with {@code expected}. */
    String smtp(String command, String expected) throws IOException {
        String reply = smtp(command);
        if (reply == null || !reply.startsWith(expected)) {
            throw new AssertionError(command + " -> " + (reply == null ? "connection closed" : visible(reply)));
        }
        return reply;
    }

    /** True if the server closes the connection (end of stream or reset) within the read timeout. */
    boolean closedByServer() {
        try {
            return in.read() < 0;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            return true;
        }
    }

    static String visible(String s) {
        return s.replace("\r", "\\r").replace("\n", "\\n");
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
