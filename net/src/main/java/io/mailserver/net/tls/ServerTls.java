package io.mailserver.net.tls;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;

import org.apache.mina.core.buffer.IoBuffer;
import org.apache.mina.core.session.IoSession;
import org.apache.mina.core.write.WriteRequest;
import org.apache.mina.filter.ssl.EncryptedWriteRequest;
import org.apache.mina.filter.ssl.SslFilter;
import org.apache.mina.filter.ssl.SslHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.mailserver.config.ConfigException;
import io.mailserver.config.ConfigKeys;
import io.mailserver.config.ServerConfig;

/**
 * The server's TLS identity: a certificate chain and key from PEM files, kept current without a restart.
 *
 * <p>Each new TLS connection first looks at the two files' size, modification time and identity (two
 * {@code stat} calls, a few microseconds beside a handshake). When they changed, the files are read again; if
 * they hold a valid chain and a matching key, a new {@link SSLContext} takes over for every later handshake
 * (a new context also drops the session caches and ticket keys, so no client resumes into the old certificate).
 * A broken or half-written new file is logged once as an error and the previous certificate stays in service;
 * certbot's renewal, which swaps the chain and the key one after the other, settles in the same way.
 */
public final class ServerTls {
    private static final Logger log = LoggerFactory.getLogger(ServerTls.class);
    static final Duration EXPIRY_WARNING = Duration.ofDays(14);

    private record Stamp(FileTime modified, long size, Object fileKey) {
        static Stamp of(Path file) {
            try {
                BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
                return new Stamp(a.lastModifiedTime(), a.size(), a.fileKey());
            } catch (IOException e) {
                return new Stamp(null, -1, null); // missing or unreadable: a change like any other
            }
        }
    }

    private record Stamps(Stamp chain, Stamp key) {
    }

    private record Loaded(KeyMaterial material, SSLContext context, Stamps stamps) {
    }

    private final Path chainFile;
    private final Path keyFile;
    private final String hostname;
    private final boolean generatedSelfSigned;
    private volatile Loaded current;
    private Stamps failed; // guarded by this: the file versions already reported as broken

    private ServerTls(Path chainFile, Path keyFile, String hostname, boolean generatedSelfSigned, Loaded first) {
        this.chainFile = chainFile;
        this.keyFile = keyFile;
        this.hostname = hostname;
        this.generatedSelfSigned = generatedSelfSigned;
        this.current = first;
    }

    /**
     * The configured certificate ({@code tls.cert-chain}, {@code tls.private-key}) or, when none is configured,
     * the self-signed one in {@code <data-dir>/tls/}, made on the first start.
     *
     * @throws ConfigException naming the key when the files are missing, unreadable or do not belong together
     */
    public static ServerTls fromConfig(ServerConfig config) {
        Optional<Path> chain = config.tlsCertChain();
        Optional<Path> key = config.tlsPrivateKey();
        if (chain.isPresent() != key.isPresent()) {
            String missing = chain.isPresent() ? ConfigKeys.TLS_PRIVATE_KEY : ConfigKeys.TLS_CERT_CHAIN;
            throw new ConfigException("configuration: " + ConfigKeys.TLS_CERT_CHAIN + " and " + ConfigKeys.TLS_PRIVATE_KEY
                    + " go together, but " + missing + " is empty");
        }
        String hostname = config.hostname();
        if (chain.isPresent()) {
            try {
                return forFiles(chain.get(), key.get(), hostname);
            } catch (PemFiles.PemException e) {
                throw new ConfigException("configuration: " + ConfigKeys.TLS_CERT_CHAIN + " / " + ConfigKeys.TLS_PRIVATE_KEY
                        + ": " + e.getMessage());
            }
        }
        Path directory = config.dataDir().resolve("tls");
        try {
            SelfSignedCertificate.Location made = SelfSignedCertificate.ensure(directory, hostname);
            return load(made.chain(), made.key(), hostname, made.generated());
        } catch (IOException | PemFiles.PemException e) {
            throw new ConfigException("configuration: " + ConfigKeys.DATA_DIR + ": cannot set up the self-signed certificate in "
                    + directory + ": " + e.getMessage());
        }
    }

    /** A certificate from the given PEM files; {@code hostname} is only used to warn when the certificate does not name it. */
    public static ServerTls forFiles(Path chainFile, Path keyFile, String hostname) throws PemFiles.PemException {
        return load(chainFile, keyFile, hostname, false);
    }

    private static ServerTls load(Path chainFile, Path keyFile, String hostname, boolean generated) throws PemFiles.PemException {
        Stamps stamps = new Stamps(Stamp.of(chainFile), Stamp.of(keyFile));
        KeyMaterial material = PemFiles.load(chainFile, keyFile);
        Loaded first;
        try {
            first = new Loaded(material, contextFor(material), stamps);
        } catch (GeneralSecurityException e) {
            throw new PemFiles.PemException("cannot use the certificate in " + chainFile + ": " + e.getMessage());
        }
        log.info("TLS: serving {} from {}", material.describe(), chainFile);
        warnAbout(material, hostname, chainFile);
        return new ServerTls(chainFile, keyFile, hostname, generated, first);
    }

    /** The context for a new handshake, after picking up changed certificate files. */
    public SSLContext context() {
        return refresh().context();
    }

    /** The certificate a new handshake would present, after picking up changed certificate files. */
    public KeyMaterial material() {
        return refresh().material();
    }

    /** A new server engine restricted to {@link TlsPolicy}. */
    public SSLEngine newEngine() {
        SSLEngine engine = context().createSSLEngine();
        TlsPolicy.apply(engine);
        return engine;
    }

    /**
     * A MINA filter for one listener (implicit TLS: add it first in the acceptor's chain before binding) or for
     * {@link StartTls}. One instance can serve many sessions: MINA keeps the per-session state in attributes.
     */
    public SslFilter newFilter() {
        return new ServerSslFilter(this);
    }

    public Path chainFile() {
        return chainFile;
    }

    public Path keyFile() {
        return keyFile;
    }

    /** True when this start made the self-signed certificate (it did not exist or could not be used). */
    public boolean generatedSelfSigned() {
        return generatedSelfSigned;
    }

    private Loaded refresh() {
        Loaded now = current;
        Stamps seen = new Stamps(Stamp.of(chainFile), Stamp.of(keyFile));
        if (seen.equals(now.stamps())) {
            return now;
        }
        synchronized (this) {
            now = current;
            if (seen.equals(now.stamps()) || seen.equals(failed)) {
                return now;
            }
            try {
                KeyMaterial material = PemFiles.load(chainFile, keyFile);
                Loaded next = new Loaded(material, contextFor(material), seen);
                current = next;
                failed = null;
                log.info("TLS: certificate files changed; now serving {}", material.describe());
                warnAbout(material, hostname, chainFile);
                return next;
            } catch (PemFiles.PemException | GeneralSecurityException e) {
                failed = seen;
                log.error("TLS: the changed certificate files cannot be used ({}); still serving {}", e.getMessage(),
                        now.material().describe());
                return now;
            }
        }
    }

    private static SSLContext contextFor(KeyMaterial material) throws GeneralSecurityException {
        char[] password = new char[0]; // the key store lives only in memory
        KeyStore store = KeyStore.getInstance("PKCS12");
        try {
            store.load(null, null);
        } catch (IOException e) {
            throw new GeneralSecurityException(e);
        }
        store.setKeyEntry("server", material.privateKey(), password, material.chainArray());
        KeyManagerFactory factory = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        factory.init(store, password);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(factory.getKeyManagers(), null, null);
        return context;
    }

    private static void warnAbout(KeyMaterial material, String hostname, Path chainFile) {
        Instant expires = material.notAfter();
        if (expires.isBefore(Instant.now())) {
            log.error("TLS: the certificate in {} EXPIRED on {}; clients will refuse it", chainFile, expires);
        } else if (expires.isBefore(Instant.now().plus(EXPIRY_WARNING))) {
            log.warn("TLS: the certificate in {} expires soon, on {}", chainFile, expires);
        }
        if (hostname != null && !material.covers(hostname)) {
            log.warn("TLS: the certificate names {}, not this server's host name {} (server.hostname); clients will warn",
                    material.names(), hostname);
        }
        var leaf = material.leaf();
        boolean selfIssued = leaf.getSubjectX500Principal().equals(leaf.getIssuerX500Principal());
        if (material.chain().size() == 1 && !selfIssued) {
            log.warn("TLS: {} holds only the server certificate, without its intermediate CA certificate(s); "
                    + "many clients will fail to verify it (with certbot, use fullchain.pem, not cert.pem)", chainFile);
        }
    }

    /**
     * Applies the policy to every engine and takes the context current at each new connection; and lets go of
     * events that arrive after MINA dropped the session's TLS state, where MINA's own filter throws a
     * {@code NullPointerException}. {@link StartTls#close} removes the filter from a handler thread (that is what
     * sends close_notify) while the I/O thread may be passing the last reply's {@code messageSent}, or a last read,
     * through it: MINA forgets the session's TLS handler first and leaves the chain after, so such an event finds
     * no handler. Seen about once in 400 TLS sessions ending with QUIT, logged as an unexpected error.
     */
    static final class ServerSslFilter extends SslFilter {
        private final ServerTls tls;

        ServerSslFilter(ServerTls tls) {
            super(tls.context());
            this.tls = tls;
        }

        @Override
        protected SSLEngine createEngine(IoSession session, InetSocketAddress peer) {
            return tls.newEngine();
        }

        /** As MINA's, minus its debug lines, but a record sent after TLS was closed has nothing left to acknowledge. */
        @Override
        public void messageSent(NextFilter next, IoSession session, WriteRequest request) throws Exception {
            if (!(request instanceof EncryptedWriteRequest)) {
                super.messageSent(next, session, request);
                return;
            }
            if (session.getAttribute(SSL_HANDLER) instanceof SslHandler handler) {
                handler.ack(next, request);
            }
            if (request.getOriginalRequest() != request) {
                next.messageSent(session, request.getOriginalRequest());
            }
        }

        /** As MINA's, but bytes that arrive after TLS was closed are dropped: nothing can decrypt them any more. */
        @Override
        public void messageReceived(NextFilter next, IoSession session, Object message) throws Exception {
            if (session.getAttribute(SSL_HANDLER) instanceof SslHandler handler) {
                handler.receive(next, (IoBuffer) message);
            }
        }
    }
}
