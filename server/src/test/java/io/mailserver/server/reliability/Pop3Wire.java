package io.mailserver.server.reliability;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** A POP3 client over {@link Wire}: status lines checked, multi-line replies read to the dot and un-stuffed. */
final class Pop3Wire implements AutoCloseable {
    final Wire wire;

    private Pop3Wire(Wire wire) {
        this.wire = wire;
    }

    static Pop3Wire connect(int port) throws IOException {
        return connect(null, port);
    }

    static Pop3Wire connect(InetAddress source, int port) throws IOException {
        Pop3Wire p = new Pop3Wire(Wire.connect(source, port, 30_000));
        p.expectOk(p.status());
        return p;
    }

    /** One status line; null at end of stream. RFC 1939 section 3: it starts with +OK or -ERR. */
    String status() throws IOException {
        String line = wire.readLine();
        if (line == null) {
            return null;
        }
        if (!line.endsWith("\r\n") || !(line.startsWith("+OK") || line.startsWith("-ERR"))) {
            throw new AssertionError("malformed POP3 status line: " + Wire.visible(line));
        }
        return line.substring(0, line.length() - 2);
    }

    String cmd(String command) throws IOException {
        wire.write(command + "\r\n");
        return status();
    }

    String ok(String command) throws IOException {
        return expectOk(cmd(command), command);
    }

    private String expectOk(String status) {
        return expectOk(status, "greeting");
    }

    private static String expectOk(String status, String command) {
        if (status == null || !status.startsWith("+OK")) {
            throw new AssertionError((command.startsWith("PASS") ? "PASS ..." : command) + " -> " + status);
        }
        return status;
    }

    void login(String user, String password) throws IOException {
        ok("USER " + user);
        ok("PASS " + password);
    }

    /** STAT: the message count. */
    int count() throws IOException {
        return Integer.parseInt(ok("STAT").split(" ")[1]);
    }

    /** RETR n: the message, dot-unstuffed, without the terminating line. */
    byte[] retr(int n) throws IOException {
        ok("RETR " + n);
        return multiLine();
    }

    /** Reads a multi-line body up to the "." line; removes the stuffed dots (RFC 1939 section 3). */
    byte[] multiLine() throws IOException {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        while (true) {
            String line = wire.readLine();
            if (line == null || !line.endsWith("\r\n")) {
                throw new IOException("connection closed inside a multi-line reply");
            }
            if (line.equals(".\r\n")) {
                return body.toByteArray();
            }
            body.write((line.startsWith(".") ? line.substring(1) : line).getBytes(StandardCharsets.ISO_8859_1));
        }
    }

    /** LIST: one size per message, in order. */
    List<Long> list() throws IOException {
        ok("LIST");
        List<Long> sizes = new ArrayList<>();
        for (String line : new String(multiLine(), StandardCharsets.ISO_8859_1).split("\r\n")) {
            if (!line.isEmpty()) {
                sizes.add(Long.parseLong(line.split(" ")[1]));
            }
        }
        return sizes;
    }

    @Override
    public void close() {
        wire.close();
    }
}
