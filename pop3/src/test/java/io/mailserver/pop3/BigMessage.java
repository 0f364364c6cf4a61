package io.mailserver.pop3;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

import io.mailserver.store.Delivery;
import io.mailserver.store.User;

/**
 * A large message made on the fly (never whole in memory): lines of varying length, every fifth starting with a
 * dot (so RETR must stuff them), 8-bit text. Remembers the SHA-256 and length of exactly what RETR must give back
 * after unstuffing, so a test compares digests, not bytes.
 */
record BigMessage(long octets, byte[] sha256) {
    static final String SENDER = "s@remote.test";

    /** Stores a message of at least {@code size} octets for {@code user}. */
    static BigMessage deliver(Pop3Fixture f, User user, long size) throws IOException {
        MessageDigest digest = newDigest();
        byte[] returnPath = ("Return-Path: <" + SENDER + ">\r\n").getBytes(StandardCharsets.US_ASCII);
        digest.update(returnPath);
        long octets = returnPath.length;
        try (Delivery d = f.temp.store().messages().begin(SENDER, "Q" + System.nanoTime())) {
            OutputStream out = d.content();
            byte[] header = ("Subject: big " + size + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
            out.write(header);
            digest.update(header);
            octets += header.length;
            for (int i = 0; octets < size; i++) {
                byte[] line = line(i);
                out.write(line);
                digest.update(line);
                octets += line.length;
            }
            out.close();
            d.addLocalRecipient(user.id());
            d.commit();
        }
        return new BigMessage(octets, digest.digest());
    }

    private static byte[] line(int i) {
        return ((i % 5 == 0 ? "." : "") + "line " + i + " \u00e9 " + "x".repeat(i % 100) + "\r\n").getBytes(StandardCharsets.UTF_8);
    }

    String hex() {
        return HexFormat.of().formatHex(sha256);
    }

    static MessageDigest newDigest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** What a reader of a multi-line reply got: the unstuffed octets before the terminator and their digest. */
    record Received(long octets, byte[] sha256) {
    }

    /** Called between reads of a multi-line reply, with the octets read so far (a slow reader sleeps here). */
    interface Pace {
        void after(long octetsSoFar) throws IOException;
    }

    /**
     * Reads a stuffed multi-line body up to CRLF.CRLF from {@code in}, {@code chunk} bytes at a time at most,
     * unstuffing into a digest.
     */
    static Received readMultiLine(InputStream in, int chunk, Pace pace) throws IOException {
        MessageDigest digest = newDigest();
        byte[] buf = new byte[chunk];
        byte[] out = new byte[chunk];
        long octets = 0;
        // 0: at a line start, 1: inside a line, 2: a line started with '.', 3: saw ".\r" at a line start
        int state = 0;
        while (true) {
            int n = in.read(buf);
            if (n < 0) {
                throw new IOException("connection closed inside the reply after " + octets + " octets");
            }
            int o = 0;
            for (int i = 0; i < n; i++) {
                byte b = buf[i];
                switch (state) {
                    case 0 -> {
                        if (b == '.') {
                            state = 2;
                            continue;
                        }
                        out[o++] = b;
                        state = b == '\n' ? 0 : 1;
                    }
                    case 1 -> {
                        out[o++] = b;
                        if (b == '\n') {
                            state = 0;
                        }
                    }
                    case 2 -> {
                        if (b == '\r') {
                            state = 3;
                            continue;
                        }
                        out[o++] = b; // a stuffed dot: drop it, keep the rest of the line
                        state = b == '\n' ? 0 : 1;
                    }
                    default -> {
                        if (b != '\n') {
                            throw new IOException("'.\\r' not followed by '\\n' after " + octets + " octets");
                        }
                        digest.update(out, 0, o);
                        octets += o;
                        if (i != n - 1) {
                            throw new IOException((n - 1 - i) + " bytes after the terminator");
                        }
                        return new Received(octets, digest.digest());
                    }
                }
            }
            digest.update(out, 0, o);
            octets += o;
            pace.after(octets);
        }
    }
}
