package io.mailserver.store;

import java.time.Instant;
import java.util.Locale;

/**
 * A domain's DKIM key as listed: everything but the private key, which only {@link DkimKeyStore#signingKeys}
 * hands out (so no listing can print it by mistake).
 *
 * @param algorithm {@code rsa} or {@code ed25519} (the key record's {@code k=})
 * @param publicKey the octets of the key record's {@code p=}
 */
public record DkimKey(long id, String domain, String selector, String algorithm, byte[] publicKey, State state,
                      Instant createdAt, Instant changedAt) {
    public enum State {
        /** Signs outgoing mail; published. */
        ACTIVE,
        /** Replaced by a newer key: signs nothing, stays published so mail it signed still verifies. */
        ROTATED,
        /** Signs nothing and need not be published any more. */
        RETIRED;

        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }

        public boolean published() {
            return this != RETIRED;
        }
    }

    /** A key to sign with: the listed key and its private key (PKCS#8). */
    public record Signing(DkimKey key, byte[] privateKeyPkcs8) {
    }

    /** A key pair about to be stored. */
    public record New(String selector, String algorithm, byte[] privateKeyPkcs8, byte[] publicKey) {
    }
}
