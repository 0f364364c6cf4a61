package io.mailserver.mailauth.dkim;

import java.util.Locale;
import java.util.Optional;

/**
 * The signing algorithms this server makes and accepts: rsa-sha256 (RFC 6376 3.3.2) and ed25519-sha256
 * (RFC 8463). rsa-sha1 is absent on purpose: RFC 8301 3.1 forbids signing and verifying with it.
 */
public enum DkimAlgorithm {
    RSA_SHA256("rsa-sha256", "rsa", "SHA256withRSA"),
    /** RFC 8463 3: PureEdDSA Ed25519 over the SHA-256 hash of the header data (not over the data itself). */
    ED25519_SHA256("ed25519-sha256", "ed25519", "Ed25519");

    private final String tag;
    private final String keyType;
    private final String jcaName;

    DkimAlgorithm(String tag, String keyType, String jcaName) {
        this.tag = tag;
        this.keyType = keyType;
        this.jcaName = jcaName;
    }

    /** The {@code a=} value. */
    public String tag() {
        return tag;
    }

    /** The {@code k=} value of the key record, and the JCA key algorithm family. */
    public String keyType() {
        return keyType;
    }

    String jcaSignature() {
        return jcaName;
    }

    /** The JCA KeyFactory / KeyPairGenerator name. */
    public String jcaKeyAlgorithm() {
        return this == RSA_SHA256 ? "RSA" : "Ed25519";
    }

    public static Optional<DkimAlgorithm> ofTag(String tag) {
        String t = tag.trim().toLowerCase(Locale.ROOT);
        for (DkimAlgorithm a : values()) {
            if (a.tag.equals(t)) {
                return Optional.of(a);
            }
        }
        return Optional.empty();
    }

    /** {@code rsa} or {@code ed25519}, as mailctl and the key table name them. */
    public static Optional<DkimAlgorithm> ofKeyType(String type) {
        String t = type.trim().toLowerCase(Locale.ROOT);
        for (DkimAlgorithm a : values()) {
            if (a.keyType.equals(t)) {
                return Optional.of(a);
            }
        }
        return Optional.empty();
    }
}
