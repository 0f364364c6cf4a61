package io.mailserver.store.jdbc;

import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * A message of any size produced on the fly (CRLF lines of varying text), never held in memory, with
 * the SHA-256 of what it produced: big-message tests compare digests, not bytes.
 */
final class Generated extends InputStream {
    private final long size;
    private final MessageDigest digest = newDigest();
    private long produced;
    private long seed = 42;

    Generated(long size) {
        this.size = size;
    }

    @Override
    public int read() {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) {
        if (produced >= size) {
            return -1;
        }
        int n = (int) Math.min(len, size - produced);
        for (int i = 0; i < n; i++) {
            long pos = produced + i;
            if (pos % 78 == 76) {
                b[off + i] = '\r';
            } else if (pos % 78 == 77) {
                b[off + i] = '\n';
            } else {
                seed = seed * 6364136223846793005L + 1442695040888963407L;
                b[off + i] = (byte) (' ' + (int) ((seed >>> 33) % 95));
            }
        }
        digest.update(b, off, n);
        produced += n;
        return n;
    }

    /** SHA-256 of everything produced so far. */
    byte[] digest() {
        try {
            return ((MessageDigest) digest.clone()).digest();
        } catch (CloneNotSupportedException e) {
            throw new IllegalStateException(e);
        }
    }

    static byte[] sha256(InputStream in) throws IOException {
        MessageDigest d = newDigest();
        byte[] buf = new byte[64 * 1024];
        int n;
        while ((n = in.read(buf)) > 0) {
            d.update(buf, 0, n);
        }
        return d.digest();
    }

    private static MessageDigest newDigest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
