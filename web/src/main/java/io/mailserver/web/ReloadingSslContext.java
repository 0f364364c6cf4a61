package io.mailserver.web;

import io.mailserver.net.tls.ServerTls;
import java.security.KeyManagementException;
import java.security.SecureRandom;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLContextSpi;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLServerSocketFactory;
import javax.net.ssl.SSLSessionContext;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManager;

/**
 * An SSLContext whose every new engine comes from {@link ServerTls} at that moment. The JDK's HTTPS server keeps
 * the one context it was given for its whole life; handing it this one lets a renewed certificate (certbot
 * replacing the files) reach HTTPS handshakes as it reaches SMTP and POP3, without a restart.
 */
final class ReloadingSslContext extends SSLContext {

    ReloadingSslContext(ServerTls tls) {
        super(new Spi(tls), tls.context().getProvider(), "TLS");
    }

    private static final class Spi extends SSLContextSpi {
        private final ServerTls tls;

        Spi(ServerTls tls) {
            this.tls = tls;
        }

        @Override
        protected void engineInit(KeyManager[] km, TrustManager[] tm, SecureRandom sr) throws KeyManagementException {
            throw new KeyManagementException("initialised by ServerTls");
        }

        @Override
        protected SSLEngine engineCreateSSLEngine() {
            return tls.newEngine();
        }

        @Override
        protected SSLEngine engineCreateSSLEngine(String host, int port) {
            return tls.newEngine();
        }

        @Override
        protected SSLSocketFactory engineGetSocketFactory() {
            return tls.context().getSocketFactory();
        }

        @Override
        protected SSLServerSocketFactory engineGetServerSocketFactory() {
            return tls.context().getServerSocketFactory();
        }

        @Override
        protected SSLSessionContext engineGetServerSessionContext() {
            return tls.context().getServerSessionContext();
        }

        @Override
        protected SSLSessionContext engineGetClientSessionContext() {
            return tls.context().getClientSessionContext();
        }
    }
}
