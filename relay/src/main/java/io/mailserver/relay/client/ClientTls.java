package io.mailserver.relay.client;

import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.NoSuchAlgorithmException;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509ExtendedTrustManager;

/** The TLS contexts of the SMTP client: one that accepts any certificate (opportunistic), one that verifies. */
public record ClientTls(SSLContext opportunistic, SSLContext verified) {

    /** Trust-all for opportunistic TLS; the JVM's trust store for required TLS. */
    public static ClientTls defaults() {
        try {
            return new ClientTls(trustAll(), SSLContext.getDefault());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("no TLS in this JVM", e);
        }
    }

    /** Trust-all for opportunistic TLS and the given context for required TLS (tests: one that trusts a test CA). */
    public static ClientTls withVerified(SSLContext verified) {
        return new ClientTls(trustAll(), verified);
    }

    static SSLContext trustAll() {
        try {
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, new TrustManager[] {new AcceptAnyCertificate()}, null);
            return ctx;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("no TLS in this JVM", e);
        }
    }

    /**
     * Opportunistic TLS accepts any certificate, as MTAs do (RFC 7435: some protection beats none):
     * an unverifiable certificate must not stop mail that would otherwise go in clear.
     */
    private static final class AcceptAnyCertificate extends X509ExtendedTrustManager {
        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) {
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) {
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) {
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) {
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }
}
