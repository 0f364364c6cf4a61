package io.mailserver.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * A large message made on the fly, never whole in memory: a short header, then lines of varying length, every
 * fifth starting with a dot, 8-bit text. Knows its length and SHA-256, so a test compares digests, not bytes.
 */
public final class BigContent {
    private final long minimumSize;
    private final long octets;
    private final byte[] sha256;

    private BigContent(long minimumSize) {
        this.minimumSize = minimumSize;
        MessageDigest digest = newDigest();
        long n = 0;
        for (int i = -1; n < minimumSize; i++) {
            byte[] line = line(i);
            digest.update(line);
            n += line.length;
        }
        this.octets = n;
        this.sha256 = digest.digest();
    }

    /** A message of at least {@code size} octets. */
    public static BigContent of(long size) {
        return new BigContent(size);
    }

    public long octets() {
        return octets;
    }

    public byte[] sha256() {
        return sha256.clone();
    }

    /** Line {@code -1} is the header section and the blank line after it. */
    private byte[] line(int i) {
        if (i < 0) {
            return ("From: <alice@example.test>\r\nTo: <x@remote.test>\r\nSubject: big " + minimumSize + "\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII);
        }
        return ((i % 5 == 0 ? "." : "") + "line " + i + " \u00e9 " + "x".repeat(i % 100) + "\r\n").getBytes(StandardCharsets.UTF_8);
    }

    /** Writes the content; with {@code dotStuffed} as SMTP DATA sends it, without the terminating dot line. */
    public void writeTo(OutputStream out, boolean dotStuffed) throws IOException {
        long n = 0;
        for (int i = -1; n < minimumSize; i++) {
            byte[] line = line(i);
            if (dotStuffed && line[0] == '.') {
                out.write('.');
            }
            out.write(line);
            n += line.length;
        }
    }

    public static MessageDigest newDigest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Digests the rest of {@code in}; returns the octet count and the digest as "count:hex", for one assertEquals. */
    public static String digestOf(InputStream in) throws IOException {
        MessageDigest digest = newDigest();
        byte[] buf = new byte[64 * 1024];
        long count = 0;
        for (int n; (n = in.read(buf)) >= 0; ) {
            digest.update(buf, 0, n);
            count += n;
        }
        return count + ":" + HexFormat.of().formatHex(digest.digest());
    }

    /** What {@link #digestOf} gives for exactly this content. */
    public String expectedDigest() {
        return octets + ":" + HexFormat.of().formatHex(sha256);
    }
}
