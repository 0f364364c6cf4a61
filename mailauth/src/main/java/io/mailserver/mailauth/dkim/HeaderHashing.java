package io.mailserver.mailauth.dkim;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** RFC 6376 3.7 and 5.4.2: the header data a signature covers, and signing or checking it. */
final class HeaderHashing {
    private HeaderHashing() {
    }

    /**
     * The canonical header fields named in {@code h=}, each name taking the next instance from the bottom
     * up (5.4.2; a name with no instance left adds nothing, which is what over-signing relies on), then the
     * DKIM-Signature field itself with an empty {@code b=} and without its final CRLF.
     */
    static byte[] data(List<HeaderField> fields, List<String> signedNames, Canonicalization c, String signatureFieldWithoutB) {
        Map<String, Integer> used = new HashMap<>();
        StringBuilder data = new StringBuilder(2048);
        for (String name : signedNames) {
            String lower = name.toLowerCase(Locale.ROOT);
            int skip = used.merge(lower, 1, Integer::sum) - 1;
            for (int i = fields.size() - 1, seen = 0; i >= 0; i--) {
                if (fields.get(i).lowerName().equals(lower) && seen++ == skip) {
                    data.append(c.header(fields.get(i).raw()));
                    break;
                }
            }
        }
        String sig = c.header(signatureFieldWithoutB);
        data.append(sig, 0, sig.length() - 2);
        return data.toString().getBytes(StandardCharsets.ISO_8859_1);
    }

    static byte[] sign(DkimAlgorithm algorithm, PrivateKey key, byte[] data) throws GeneralSecurityException {
        Signature s = Signature.getInstance(algorithm.jcaSignature());
        s.initSign(key);
        s.update(input(algorithm, data));
        return s.sign();
    }

    static boolean verify(DkimAlgorithm algorithm, PublicKey key, byte[] data, byte[] signature) throws GeneralSecurityException {
        Signature s = Signature.getInstance(algorithm.jcaSignature());
        s.initVerify(key);
        s.update(input(algorithm, data));
        return s.verify(signature);
    }

    /** RFC 8463 3: Ed25519 signs the SHA-256 hash of the header data; RSA hashes inside the signature. */
    private static byte[] input(DkimAlgorithm algorithm, byte[] data) throws GeneralSecurityException {
        return algorithm == DkimAlgorithm.ED25519_SHA256 ? MessageDigest.getInstance("SHA-256").digest(data) : data;
    }

    /** The field with the value of its {@code b=} tag removed (3.5 b=, 3.7): surrounding white space goes too. */
    static String withoutB(String rawField) {
        int colon = rawField.indexOf(':');
        StringBuilder out = new StringBuilder(rawField.length());
        out.append(rawField, 0, colon + 1);
        int at = colon + 1;
        while (at <= rawField.length()) {
            int semi = rawField.indexOf(';', at);
            int end = semi < 0 ? rawField.length() : semi;
            String spec = rawField.substring(at, end);
            int eq = spec.indexOf('=');
            if (eq >= 0 && spec.substring(0, eq).replaceAll("[ \t\r\n]", "").equals("b")) {
                out.append(spec, 0, eq + 1);
                if (semi < 0 && spec.endsWith("\r\n")) {
                    out.append("\r\n");
                }
            } else {
                out.append(spec);
            }
            if (semi < 0) {
                break;
            }
            out.append(';');
            at = semi + 1;
        }
        return out.toString();
    }
}
