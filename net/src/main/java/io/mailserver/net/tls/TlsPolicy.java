package io.mailserver.net.tls;

import java.util.Arrays;
import java.util.List;
import java.util.Set;

import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;

/**
 * What the server accepts in a handshake: TLS 1.3 and 1.2 only (RFC 8996 retired 1.0 and 1.1), and for 1.2 only
 * forward-secret ECDHE key exchange with AEAD ciphers (RFC 9325 4.2), the server's order winning. This matches
 * Mozilla's "intermediate" profile less the DHE suites, and every mail client of the last ten years speaks it.
 */
public final class TlsPolicy {
    private TlsPolicy() {
    }

    public static final List<String> PROTOCOLS = List.of("TLSv1.3", "TLSv1.2");

    public static final List<String> CIPHER_SUITES = List.of(
            // TLS 1.3 (all AEAD, all forward secret)
            "TLS_AES_128_GCM_SHA256",
            "TLS_AES_256_GCM_SHA384",
            "TLS_CHACHA20_POLY1305_SHA256",
            // TLS 1.2: ECDHE + AEAD, for ECDSA and RSA certificates
            "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
            "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
            "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
            "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
            "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
            "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256");

    /** Restricts a server engine to the policy, keeping the order above. */
    public static void apply(SSLEngine engine) {
        Set<String> supported = Set.of(engine.getSupportedCipherSuites());
        SSLParameters p = engine.getSSLParameters();
        p.setProtocols(PROTOCOLS.stream().filter(Set.of(engine.getSupportedProtocols())::contains).toArray(String[]::new));
        p.setCipherSuites(CIPHER_SUITES.stream().filter(supported::contains).toArray(String[]::new));
        p.setUseCipherSuitesOrder(true);
        p.setNeedClientAuth(false);
        p.setWantClientAuth(false);
        engine.setSSLParameters(p);
        engine.setUseClientMode(false);
    }

    static String describe(SSLEngine engine) {
        return Arrays.toString(engine.getEnabledProtocols()) + " " + Arrays.toString(engine.getEnabledCipherSuites());
    }
}
