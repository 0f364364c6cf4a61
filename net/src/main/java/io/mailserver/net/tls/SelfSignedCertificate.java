package io.mailserver.net.tls;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.regex.Pattern;

import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The certificate the server uses when none is configured, so that a default start offers STARTTLS and implicit
 * TLS at once. It lives in {@code <data-dir>/tls/} and is kept across restarts (mail clients that were told to
 * trust it keep working); it is made again only when it is missing, unreadable, about to expire or made for
 * another host name.
 *
 * <p>Shape: RSA 2048 with SHA-256, the host name as subject alternative name, serverAuth, 825 days: what Apple's
 * mail clients require of a server certificate, and what every other client accepts.
 */
public final class SelfSignedCertificate {
    private static final Logger log = LoggerFactory.getLogger(SelfSignedCertificate.class);

    public static final String CHAIN_FILE = "self-signed-cert.pem";
    public static final String KEY_FILE = "self-signed-key.pem";
    static final Duration VALIDITY = Duration.ofDays(825);
    static final Duration RENEW_BEFORE = Duration.ofDays(30);
    private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");

    /** Where the files are, and whether this call made them. */
    public record Location(Path chain, Path key, boolean generated) {
    }

    private SelfSignedCertificate() {
    }

    /** Returns the certificate in {@code directory}, making it first when there is no usable one for {@code hostname}. */
    public static Location ensure(Path directory, String hostname) throws IOException {
        Path chain = directory.resolve(CHAIN_FILE);
        Path key = directory.resolve(KEY_FILE);
        String reason = unusableReason(chain, key, hostname);
        if (reason == null) {
            log.info("TLS: using the self-signed certificate in {} (configure tls.cert-chain and tls.private-key for a real one)", directory);
            return new Location(chain, key, false);
        }
        Files.createDirectories(directory);
        KeyMaterial made = generate(hostname);
        // the key first, created private: it must never be readable by others, not even for a moment
        writeAtomically(key, PemFiles.toPem(made.privateKey()), true);
        writeAtomically(chain, PemFiles.toPem(made.leaf()), false);
        log.warn("TLS: {}; generated a self-signed certificate for {} in {} ({}). Mail clients will warn about it until "
                + "you configure tls.cert-chain and tls.private-key (see docs/tls.md)", reason, hostname, directory, made.describe());
        return new Location(chain, key, true);
    }

    private static String unusableReason(Path chain, Path key, String hostname) {
        if (!Files.exists(chain) && !Files.exists(key)) {
            return "no certificate configured";
        }
        KeyMaterial existing;
        try {
            existing = PemFiles.load(chain, key);
        } catch (PemFiles.PemException e) {
            return "the self-signed certificate in " + chain.getParent() + " cannot be used (" + e.getMessage() + ")";
        }
        if (existing.notAfter().isBefore(Instant.now().plus(RENEW_BEFORE))) {
            return "the self-signed certificate expires " + existing.notAfter();
        }
        if (!existing.covers(hostname)) {
            return "the self-signed certificate was made for " + existing.names() + ", not for " + hostname;
        }
        return null;
    }

    static KeyMaterial generate(String hostname) throws IOException {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
            generator.initialize(2048);
            KeyPair pair = generator.generateKeyPair();
            X500Name subject = new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.CN, hostname).build();
            Instant now = Instant.now();
            BigInteger serial = new BigInteger(64, new SecureRandom()).setBit(63); // positive, 8 bytes, never zero
            X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(subject, serial,
                    Date.from(now.minus(Duration.ofHours(1))), Date.from(now.plus(VALIDITY)), subject, pair.getPublic());
            JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
            GeneralName name = IPV4.matcher(hostname).matches() || hostname.contains(":")
                    ? new GeneralName(GeneralName.iPAddress, hostname)
                    : new GeneralName(GeneralName.dNSName, hostname);
            builder.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(name));
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
            builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyEncipherment));
            builder.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth));
            builder.addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(pair.getPublic()));
            builder.addExtension(Extension.authorityKeyIdentifier, false, ext.createAuthorityKeyIdentifier(pair.getPublic()));
            X509Certificate certificate = new JcaX509CertificateConverter()
                    .getCertificate(builder.build(new JcaContentSignerBuilder("SHA256withRSA").build(pair.getPrivate())));
            return new KeyMaterial(List.of(certificate), pair.getPrivate());
        } catch (GeneralSecurityException | OperatorCreationException e) {
            throw new IOException("cannot generate a self-signed certificate: " + e.getMessage(), e);
        }
    }

    /** Writes through a temporary file and a rename, so a reader never sees half a file. */
    static void writeAtomically(Path target, String content, boolean privateFile) throws IOException {
        Path temp = target.resolveSibling(target.getFileName() + ".tmp");
        Files.deleteIfExists(temp);
        if (privateFile && isPosix(target)) {
            try {
                Files.createFile(temp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            } catch (FileAlreadyExistsException e) {
                throw new IOException("cannot create " + temp + ": it appeared while writing", e);
            }
        }
        Files.writeString(temp, content, StandardCharsets.US_ASCII);
        try {
            Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    private static boolean isPosix(Path p) {
        return p.getFileSystem().supportedFileAttributeViews().contains("posix");
    }
}
