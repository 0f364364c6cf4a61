package io.mailserver.mailauth.dkim;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PrivateKey;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Makes DKIM-Signature fields (RFC 6376 5, RFC 8463): relaxed/relaxed, never {@code l=}, one body hash shared
 * by every key (both algorithms hash with SHA-256), the message streamed through once.
 *
 * <pre>
 * DkimSigner.Signing s = signer.start();
 * content.transferTo(s);                   // or write() it in pieces
 * List&lt;String&gt; fields = s.finish(keys); // prepend these, in order, to the same content
 * </pre>
 * The keys are given at the end so that a caller can choose them from the header fields it has seen
 * ({@link Signing#headers()}, e.g. the From: domain) without reading the message twice.
 */
public final class DkimSigner {
    /**
     * RFC 6376 5.4.1's recommended fields, and the MIME fields whose change would alter how the body reads.
     * Each is signed as often as it is present.
     */
    static final List<String> SIGNED = List.of(
            "from", "reply-to", "subject", "date", "to", "cc", "message-id", "sender",
            "resent-date", "resent-from", "resent-sender", "resent-to", "resent-cc",
            "in-reply-to", "references",
            "list-id", "list-help", "list-unsubscribe", "list-unsubscribe-post", "list-subscribe", "list-post", "list-owner", "list-archive",
            "mime-version", "content-type", "content-transfer-encoding");
    /** Listed once more than present (5.4.2), so that no further instance can be added without breaking the signature. */
    static final Set<String> OVERSIGNED = Set.of("from", "to", "subject", "date", "message-id");

    /** One key to sign with. {@code domain} is the {@code d=}, which DMARC aligns with the From: domain. */
    public record Key(String domain, String selector, DkimAlgorithm algorithm, PrivateKey privateKey) {
        public Key {
            domain = domain.toLowerCase(Locale.ROOT);
        }
    }

    private final java.time.Clock clock;

    public DkimSigner(java.time.Clock clock) {
        this.clock = clock;
    }

    public Signing start() {
        return new Signing(clock.instant());
    }

    /** Signs a whole stream (convenience for tests and small tools). */
    public List<String> sign(List<Key> keys, InputStream message) throws IOException {
        Signing s = start();
        message.transferTo(s);
        return s.finish(keys);
    }

    /** The message goes in through {@link #write}; {@link #finish} gives the fields. */
    public static final class Signing extends OutputStream {
        private final Instant now;
        private final MessageDigest bodyDigest;
        private final MessageParser parser;
        private BodyCanonicalizer body;
        private List<HeaderField> headers;

        private Signing(Instant now) {
            this.now = now;
            try {
                bodyDigest = MessageDigest.getInstance("SHA-256");
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
            parser = new MessageParser(fields -> {
                headers = fields;
                body = Canonicalization.RELAXED.body(bodyDigest, -1);
                return body::update;
            });
        }

        @Override
        public void write(int b) {
            parser.write(b);
        }

        @Override
        public void write(byte[] b, int off, int len) {
            parser.write(b, off, len);
        }

        /** The message's header fields, once the header section has been written (else empty). */
        public List<HeaderField> headers() {
            return headers == null ? List.of() : headers;
        }

        /**
         * Ends the message and returns the DKIM-Signature fields, one per key, each ending in CRLF.
         *
         * @throws IllegalStateException if the message cannot be signed (no From: field, or a header
         *     section past the bound); the caller sends it unsigned and logs why
         */
        public List<String> finish(List<Key> keys) {
            parser.finish();
            if (parser.headerOverflow()) {
                throw new IllegalStateException("header section larger than " + MessageParser.MAX_HEADER_SECTION + " octets");
            }
            body.finish();
            String bh = Base64.getEncoder().encodeToString(bodyDigest.digest());
            List<String> names = signedNames(headers);
            if (headers.stream().noneMatch(h -> h.lowerName().equals("from"))) {
                throw new IllegalStateException("no From: field"); // RFC 6376 5.4: From is required
            }
            List<String> out = new ArrayList<>(keys.size());
            for (Key key : keys) {
                String unsigned = field(key, names, bh);
                byte[] data = HeaderHashing.data(headers, names, Canonicalization.RELAXED, unsigned);
                try {
                    byte[] b = HeaderHashing.sign(key.algorithm(), key.privateKey(), data);
                    out.add(unsigned.substring(0, unsigned.length() - 2) + fold(Base64.getEncoder().encodeToString(b)) + "\r\n");
                } catch (GeneralSecurityException e) {
                    throw new IllegalStateException("cannot sign with " + key.selector() + "._domainkey." + key.domain() + ": " + e.getMessage(), e);
                }
            }
            return out;
        }

        private String field(Key key, List<String> names, String bh) {
            StringBuilder f = new StringBuilder(512);
            f.append("DKIM-Signature: v=1; a=").append(key.algorithm().tag()).append("; c=relaxed/relaxed;\r\n")
                    .append("\td=").append(key.domain()).append("; s=").append(key.selector())
                    .append("; t=").append(now.getEpochSecond()).append(";\r\n\th=");
            int lineLength = 3;
            for (int i = 0; i < names.size(); i++) {
                String n = names.get(i) + (i + 1 < names.size() ? ":" : ";");
                if (lineLength + n.length() > 74) {
                    f.append("\r\n\t  ");
                    lineLength = 3;
                }
                f.append(n);
                lineLength += n.length();
            }
            f.append("\r\n\tbh=").append(bh).append(";\r\n\tb=\r\n");
            return f.toString();
        }
    }

    /** Names for h=, in the order of {@link #SIGNED}: present ones as often as present, over-signed ones once more. */
    static List<String> signedNames(List<HeaderField> headers) {
        List<String> names = new ArrayList<>();
        for (String name : SIGNED) {
            long present = headers.stream().filter(h -> h.lowerName().equals(name)).count();
            long times = present + (OVERSIGNED.contains(name) ? 1 : 0);
            for (long i = 0; i < times; i++) {
                names.add(name);
            }
        }
        return names;
    }

    /** b= folded into lines of 72 (relaxed canonicalisation and the b= removal both ignore the folding). */
    private static String fold(String b64) {
        StringBuilder out = new StringBuilder(b64.length() + 64);
        for (int i = 0; i < b64.length(); i += 72) {
            if (i > 0) {
                out.append("\r\n\t  ");
            }
            out.append(b64, i, Math.min(b64.length(), i + 72));
        }
        return out.toString();
    }
}
