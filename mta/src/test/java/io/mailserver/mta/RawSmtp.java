package io.mailserver.mta;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;

/** A plain socket client that sends exact bytes and reads exact reply lines. */
public final class RawSmtp implements AutoCloseable {
    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;

    RawSmtp(Socket socket) throws IOException {
        this.socket = socket;
        this.in = socket.getInputStream();
        this.out = socket.getOutputStream();
    }

    public static RawSmtp connect(int port) {
        try {
            Socket s = new Socket();
            s.setTcpNoDelay(true);
            s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
            s.setSoTimeout(10_000);
            return new RawSmtp(s);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public void timeout(int millis) {
        try {
            socket.setSoTimeout(millis);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Writes the text (ISO-8859-1, so every char is one byte) in one write. */
    public RawSmtp write(String text) {
        return write(text.getBytes(StandardCharsets.ISO_8859_1));
    }

    public RawSmtp write(byte[] bytes) {
        try {
            out.write(bytes);
            out.flush();
            return this;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** One line with its CRLF, or null at end of stream. */
    public String readLine() {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        try {
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
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A whole reply (all lines of a multi-line reply), with CRLFs; null at end of stream. */
    public String reply() {
        StringBuilder sb = new StringBuilder();
        while (true) {
            String line = readLine();
            if (line == null) {
                return sb.length() == 0 ? null : sb.toString();
            }
            sb.append(line);
            if (line.length() < 4 || line.charAt(3) != '-') {
                return sb.toString();
            }
        }
    }

    /** Sends one command line (CRLF added) and returns the reply. */
    public String cmd(String command) {
        write(command + "\r\n");
        return reply();
    }

    /** True if the server closed the connection (reads end of stream within the timeout). */
    public boolean closedByServer() {
        try {
            return in.read() < 0;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            return true; // reset
        }
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
