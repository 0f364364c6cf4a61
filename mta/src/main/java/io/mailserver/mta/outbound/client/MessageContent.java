package io.mailserver.mta.outbound.client;

import java.io.IOException;
import java.io.InputStream;

/** A message to send: opened as a stream each time it is needed, with what MAIL FROM must declare. */
public interface MessageContent {
    InputStream open() throws IOException;

    /** Octets as stored; the SIZE= estimate (RFC 1870 allows an estimate). */
    long size();

    /** True if any octet is above 127: then BODY=8BITMIME is declared when the peer offers it (RFC 6152). */
    boolean eightBit();

    /** Reads the content once to learn its size and whether it has 8-bit octets. */
    static MessageContent scan(ContentOpener opener) throws IOException {
        long size = 0;
        boolean eightBit = false;
        byte[] buf = new byte[16 * 1024];
        try (InputStream in = opener.open()) {
            int n;
            while ((n = in.read(buf)) > 0) {
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

    /** Opens the stored content. */
    @FunctionalInterface
    interface ContentOpener {
        InputStream open() throws IOException;
    }
}
