package io.mailserver.mailauth.dkim;

import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;

/**
 * DKIM keys in the forms they are kept and published in: private keys as PKCS#8 (the store), public keys
 * as the {@code p=} of a key record (RFC 6376 3.6.1: the DER SubjectPublicKeyInfo for RSA; RFC 8463 4: the
 * raw 32-octet key for Ed25519). Everything comes from the JDK (Ed25519 since Java 15).
 */
public final class DkimKeys {
    /** RFC 8301 3.2: signers use at least 1024 bits, and should use 2048. */
    public static final int RSA_BITS = 2048;
    /** RFC 8301 3.2: verifiers must not accept RSA keys smaller than this. */
    public static final int MIN_RSA_BITS = 1024;
    /** The DER SubjectPublicKeyInfo header of an Ed25519 key (RFC 8410); the raw key follows. */
    private static final byte[] ED25519_SPKI_PREFIX = {0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00};

    private DkimKeys() {
    }

    public static KeyPair generate(DkimAlgorithm algorithm) {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance(algorithm.jcaKeyAlgorithm());
            if (algorithm == DkimAlgorithm.RSA_SHA256) {
                g.initialize(RSA_BITS);
            }
            return g.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK cannot make " + algorithm.keyType() + " keys", e);
        }
    }

    public static PrivateKey privateKey(DkimAlgorithm algorithm, byte[] pkcs8) {
        try {
            return KeyFactory.getInstance(algorithm.jcaKeyAlgorithm()).generatePrivate(new PKCS8EncodedKeySpec(pkcs8));
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("not a " + algorithm.keyType() + " private key in PKCS#8: " + e.getMessage(), e);
        }
    }

    /** The {@code p=} octets of a public key. */
    public static byte[] publicKeyRecordBytes(DkimAlgorithm algorithm, PublicKey key) {
        byte[] spki = key.getEncoded();
        if (algorithm == DkimAlgorithm.ED25519_SHA256) {
            return Arrays.copyOfRange(spki, spki.length - 32, spki.length);
        }
        return spki;
    }

    /** The TXT record at {@code selector._domainkey.domain}: {@code v=DKIM1; k=rsa; p=...}. */
    public static String keyRecord(DkimAlgorithm algorithm, byte[] publicKeyRecordBytes) {
        return "v=DKIM1; k=" + algorithm.keyType() + "; p=" + Base64.getEncoder().encodeToString(publicKeyRecordBytes);
    }

    /**
     * A public key from the octets of {@code p=}. RSA keys are normally SubjectPublicKeyInfo; a bare PKCS#1
     * RSAPublicKey (which some publish, RFC 6376 3.6.1 says "RSAPublicKey") is accepted too.
     *
     * @throws DkimException when the octets are no key of that type
     */
    static PublicKey publicKey(DkimAlgorithm algorithm, byte[] p) {
        try {
            if (algorithm == DkimAlgorithm.ED25519_SHA256) {
                if (p.length != 32) {
                    throw new DkimException("ed25519 key is " + p.length + " octets, not 32");
                }
                byte[] spki = Arrays.copyOf(ED25519_SPKI_PREFIX, ED25519_SPKI_PREFIX.length + 32);
                System.arraycopy(p, 0, spki, ED25519_SPKI_PREFIX.length, 32);
                return KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(spki));
            }
            KeyFactory rsa = KeyFactory.getInstance("RSA");
            try {
                return rsa.generatePublic(new X509EncodedKeySpec(p));
            } catch (GeneralSecurityException notSpki) {
                return rsa.generatePublic(new X509EncodedKeySpec(wrapPkcs1(p)));
            }
        } catch (GeneralSecurityException | RuntimeException e) {
            if (e instanceof DkimException d) {
                throw d;
            }
            throw new DkimException("p= is not a valid " + algorithm.keyType() + " public key");
        }
    }

    static int rsaBits(PublicKey key) {
        return key instanceof RSAPublicKey rsa ? rsa.getModulus().bitLength() : 0;
    }

    /**
     * Splits a TXT value into character-strings of at most 255 octets (RFC 1035 3.3.14; RFC 6376 3.6.2.2
     * joins them again without separator). The values here are ASCII.
     */
    public static List<String> txtStrings(String value) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < value.length(); i += 255) {
            out.add(value.substring(i, Math.min(value.length(), i + 255)));
        }
        return out;
    }

    /** SubjectPublicKeyInfo { rsaEncryption, NULL } around a PKCS#1 RSAPublicKey. */
    private static byte[] wrapPkcs1(byte[] pkcs1) {
        byte[] algId = {0x30, 0x0d, 0x06, 0x09, 0x2a, (byte) 0x86, 0x48, (byte) 0x86, (byte) 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00};
        byte[] bitString = concat(new byte[] {0x03}, derLength(pkcs1.length + 1), new byte[] {0x00}, pkcs1);
        byte[] body = concat(algId, bitString);
        return concat(new byte[] {0x30}, derLength(body.length), body);
    }

    private static byte[] derLength(int n) {
        if (n < 128) {
            return new byte[] {(byte) n};
        }
        if (n < 256) {
            return new byte[] {(byte) 0x81, (byte) n};
        }
        return new byte[] {(byte) 0x82, (byte) (n >> 8), (byte) n};
    }

    private static byte[] concat(byte[]... parts) {
        int n = 0;
        for (byte[] p : parts) {
            n += p.length;
        }
        byte[] out = new byte[n];
        int at = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, out, at, p.length);
            at += p.length;
        }
        return out;
    }
}
