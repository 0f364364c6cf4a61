package io.mailserver.net.tls;

import java.io.IOException;
import java.io.Reader;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;

import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.openssl.PEMEncryptedKeyPair;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaMiscPEMGenerator;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.pkcs.PKCS8EncryptedPrivateKeyInfo;
import org.bouncycastle.util.io.pem.PemWriter;

/**
 * Reads and writes PEM files the way ACME clients (certbot, acme.sh) and openssl write them: a certificate chain
 * of {@code CERTIFICATE} blocks, leaf first, and an unencrypted private key as PKCS#8 ({@code PRIVATE KEY}),
 * PKCS#1 ({@code RSA PRIVATE KEY}) or SEC1 ({@code EC PRIVATE KEY}). Other blocks (e.g. {@code EC PARAMETERS}
 * that {@code openssl ecparam -genkey} writes) are skipped, so a combined key-and-chain file also works.
 * Bouncy Castle does the parsing; the keys are built by the JDK's own providers.
 */
public final class PemFiles {
    private PemFiles() {
    }

    /** A PEM file that cannot be used, with a message meant for the operator. */
    public static final class PemException extends Exception {
        private static final long serialVersionUID = 1L;

        PemException(String message) {
            super(message);
        }
    }

    /** Reads the chain and the key and checks that they belong together. */
    public static KeyMaterial load(Path chainFile, Path keyFile) throws PemException {
        List<X509Certificate> chain = readCertificates(chainFile);
        PrivateKey key = readPrivateKey(keyFile);
        KeyMaterial material = new KeyMaterial(chain, key);
        try {
            material.checkKeyMatchesCertificate();
        } catch (GeneralSecurityException e) {
            throw new PemException(keyFile + " does not match " + chainFile + ": " + e.getMessage());
        }
        return material;
    }

    public static List<X509Certificate> readCertificates(Path file) throws PemException {
        List<X509Certificate> chain = new ArrayList<>();
        JcaX509CertificateConverter converter = new JcaX509CertificateConverter();
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.US_ASCII); PEMParser parser = new PEMParser(reader)) {
            Object item;
            while ((item = parser.readObject()) != null) {
                if (item instanceof X509CertificateHolder holder) {
                    chain.add(converter.getCertificate(holder));
                }
            }
        } catch (IOException | GeneralSecurityException | RuntimeException e) {
            throw new PemException("cannot read certificates from " + file + ": " + message(e));
        }
        if (chain.isEmpty()) {
            throw new PemException(file + " holds no PEM certificate (-----BEGIN CERTIFICATE-----)");
        }
        return chain;
    }

    public static PrivateKey readPrivateKey(Path file) throws PemException {
        JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
        PrivateKey found = null;
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.US_ASCII); PEMParser parser = new PEMParser(reader)) {
            Object item;
            while ((item = parser.readObject()) != null) {
                PrivateKey key = null;
                if (item instanceof PEMKeyPair pair) {                 // PKCS#1 RSA or SEC1 EC
                    key = converter.getPrivateKey(pair.getPrivateKeyInfo());
                } else if (item instanceof PrivateKeyInfo info) {       // PKCS#8
                    key = converter.getPrivateKey(info);
                } else if (item instanceof PEMEncryptedKeyPair || item instanceof PKCS8EncryptedPrivateKeyInfo) {
                    throw new PemException(file + " holds an encrypted private key; the server cannot ask for a passphrase."
                            + " Store it unencrypted and readable only by the server (e.g. openssl pkey -in KEY -out "
                            + file.getFileName() + ", chmod 600)");
                }
                if (key != null) {
                    if (found != null) {
                        throw new PemException(file + " holds more than one private key");
                    }
                    found = key;
                }
            }
        } catch (PemException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            throw new PemException("cannot read the private key from " + file + ": " + message(e));
        }
        if (found == null) {
            throw new PemException(file + " holds no PEM private key (PRIVATE KEY, RSA PRIVATE KEY or EC PRIVATE KEY)");
        }
        return found;
    }

    /** PEM text of certificates or keys (PKCS#8 for a private key). */
    public static String toPem(Object... objects) throws IOException {
        StringWriter out = new StringWriter();
        try (PemWriter writer = new PemWriter(out)) {
            for (Object o : objects) {
                writer.writeObject(new JcaMiscPEMGenerator(o instanceof PrivateKey k ? PrivateKeyInfo.getInstance(k.getEncoded()) : o));
            }
        }
        return out.toString();
    }

    private static String message(Exception e) {
        String m = e.getMessage();
        if (e instanceof java.nio.file.NoSuchFileException) {
            return "no such file";
        }
        if (e instanceof java.nio.file.AccessDeniedException) {
            return "permission denied";
        }
        return m == null ? e.getClass().getSimpleName() : m;
    }
}
