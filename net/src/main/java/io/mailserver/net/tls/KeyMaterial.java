package io.mailserver.net.tls;

import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;

/**
 * A server certificate chain (leaf first) and the private key of the leaf, checked to belong together.
 */
public record KeyMaterial(List<X509Certificate> chain, PrivateKey privateKey) {

    public KeyMaterial {
        chain = List.copyOf(chain);
        if (chain.isEmpty()) {
            throw new IllegalArgumentException("no certificate");
        }
    }

    public X509Certificate leaf() {
        return chain.get(0);
    }

    public X509Certificate[] chainArray() {
        return chain.toArray(new X509Certificate[0]);
    }

    public Instant notAfter() {
        return leaf().getNotAfter().toInstant();
    }

    /** SHA-256 of the leaf certificate's DER encoding, as colon-separated upper-case hex (as openssl prints it). */
    public String sha256Fingerprint() {
        return fingerprint(leaf());
    }

    public static String fingerprint(X509Certificate certificate) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(certificate.getEncoded());
            return HexFormat.ofDelimiter(":").withUpperCase().formatHex(digest);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The DNS names (and IP addresses) the leaf certificate is valid for. */
    public List<String> names() {
        List<String> names = new ArrayList<>();
        try {
            Collection<List<?>> alt = leaf().getSubjectAlternativeNames();
            if (alt != null) {
                for (List<?> entry : alt) {
                    int type = (Integer) entry.get(0);
                    if (type == 2 || type == 7) { // dNSName, iPAddress (RFC 5280 4.2.1.6)
                        names.add(String.valueOf(entry.get(1)).toLowerCase(Locale.ROOT));
                    }
                }
            }
        } catch (CertificateParsingException e) {
            // a malformed extension: no names, the caller only uses them for a warning
        }
        return names;
    }

    /** True when the certificate names {@code host}, directly or by a one-label wildcard (RFC 6125 6.4.3). */
    public boolean covers(String host) {
        String h = host.toLowerCase(Locale.ROOT);
        for (String name : names()) {
            if (name.equals(h)) {
                return true;
            }
            if (name.startsWith("*.") && h.indexOf('.') > 0 && h.substring(h.indexOf('.')).equals(name.substring(1))) {
                return true;
            }
        }
        return false;
    }

    public String describe() {
        return "subject \"" + leaf().getSubjectX500Principal().getName() + "\", names " + names()
                + ", expires " + notAfter() + ", SHA-256 " + sha256Fingerprint();
    }

    /**
     * Checks that the private key belongs to the leaf certificate by signing a random challenge and verifying it
     * with the certificate's public key; this works for RSA, EC and EdDSA keys alike.
     */
    void checkKeyMatchesCertificate() throws GeneralSecurityException {
        String algorithm = switch (privateKey.getAlgorithm()) {
            case "RSA" -> "SHA256withRSA";
            case "EC" -> "SHA256withECDSA";
            case "Ed25519", "Ed448", "EdDSA" -> privateKey.getAlgorithm();
            default -> throw new GeneralSecurityException("unsupported private key type " + privateKey.getAlgorithm());
        };
        byte[] challenge = new byte[32];
        new SecureRandom().nextBytes(challenge);
        Signature signer = Signature.getInstance(algorithm);
        signer.initSign(privateKey);
        signer.update(challenge);
        byte[] signature = signer.sign();
        Signature verifier = Signature.getInstance(algorithm);
        verifier.initVerify(leaf().getPublicKey());
        verifier.update(challenge);
        if (!verifier.verify(signature)) {
            throw new GeneralSecurityException("the private key does not belong to the first certificate of the chain");
        }
    }
}
