package io.mailserver.relay.client;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** Reads multi-line SMTP replies (RFC 5321 4.2.1), bounded in line length and line count. */
final class ReplyReader {
    private static final int MAX_LINE = 4096;
    private static final int MAX_LINES = 200;

    private final InputStream in;

    ReplyReader(InputStream in) {
        this.in = in;
    }

    PeerReply read() throws IOException {
        List<String> lines = new ArrayList<>();
        int code = -1;
        while (true) {
            String line = readLine();
            if (line.length() < 3 || !Character.isDigit(line.charAt(0)) || !Character.isDigit(line.charAt(1))
                    || !Character.isDigit(line.charAt(2)) || (line.length() > 3 && line.charAt(3) != ' ' && line.charAt(3) != '-')) {
                throw new IOException("malformed reply \"" + PeerReply.printable(truncate(line)) + "\"");
            }
            int lineCode = Integer.parseInt(line.substring(0, 3));
            if (code < 0) {
                code = lineCode;
            } else if (lineCode != code) {
                throw new IOException("reply code changed within a multi-line reply");
            }
            if (lines.size() < MAX_LINES) {
                lines.add(line.length() > 4 ? line.substring(4) : "");
            }
            if (line.length() == 3 || line.charAt(3) == ' ') {
                return new PeerReply(code, lines);
            }
        }
    }

    /** One line without its CRLF (a bare LF is accepted: a client is lenient in what it reads). */
    private String readLine() throws IOException {
        ByteArrayOutputStream buf = new ByteArrayOutputStream(128);
        while (true) {
            int b = in.read();
            if (b < 0) {
                throw new EOFException("connection closed by the server");
            }
            if (b == '\n') {
                byte[] bytes = buf.toByteArray();
                int len = bytes.length > 0 && bytes[bytes.length - 1] == '\r' ? bytes.length - 1 : bytes.length;
                return new String(bytes, 0, len, StandardCharsets.ISO_8859_1);
            }
            if (buf.size() < MAX_LINE) {
                buf.write(b);
            }
        }
    }

    private static String truncate(String s) {
        return s.length() > 100 ? s.substring(0, 100) + "..." : s;
    }
}
