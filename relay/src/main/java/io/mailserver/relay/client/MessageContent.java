package io.mailserver.relay.client;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.SequenceInputStream;

/** A message to send: opened as a stream each time it is needed, with what MAIL FROM must declare. */
public interface MessageContent {
    InputStream open() throws IOException;

    /** Octets as stored; the SIZE= estimate (RFC 1870 allows an estimate). */
    long size();

    /** True if any octet is above 127: then BODY=8BITMIME is declared when the peer offers it (RFC 6152). */
    boolean eightBit();

    /** Reads the content once to learn its size and whether it has 8-bit octets. */
    static MessageContent scan(ContentOpener opener) throws IOException {
        return scan(opener, OutputStream.nullOutputStream());
    }

    /** As {@link #scan(ContentOpener)}, handing every octet read to {@code alsoTo} as well (e.g. a DKIM signer). */
    static MessageContent scan(ContentOpener opener, OutputStream alsoTo) throws IOException {
        long size = 0;
        boolean eightBit = false;
        byte[] buf = new byte[16 * 1024];
        try (InputStream in = opener.open()) {
            int n;
            while ((n = in.read(buf)) > 0) {
                alsoTo.write(buf, 0, n);
                size += n;
                if (!eightBit) {
                    for (int i = 0; i < n; i++) {
                        if (buf[i] < 0) {
                            eightBit = true;
                            break;
                        }
                    }
                }
            }
        }
        long finalSize = size;
        boolean finalEightBit = eightBit;
        return new MessageContent() {
            @Override
            public InputStream open() throws IOException {
                return opener.open();
            }

            @Override
            public long size() {
                return finalSize;
            }

            @Override
            public boolean eightBit() {
                return finalEightBit;
            }
        };
    }

    /** This content with header lines in front of it (DKIM-Signature fields), streamed, not copied. */
    default MessageContent withPrefix(byte[] prefix) {
        MessageContent stored = this;
        return new MessageContent() {
            @Override
            public InputStream open() throws IOException {
                return new SequenceInputStream(new ByteArrayInputStream(prefix), stored.open());
            }

            @Override
            public long size() {
                return stored.size() + prefix.length;
            }

            @Override
            public boolean eightBit() {
                return stored.eightBit();
            }
        };
    }

    /** Opens the stored content. */
    @FunctionalInterface
    interface ContentOpener {
        InputStream open() throws IOException;
    }
}
