package io.mailserver.session;

/**
 * What a TLS session negotiated, for logs and the Received header (RFC 3848 {@code with ESMTPS}); no MINA type,
 * so protocol cores can hold it.
 */
public record TlsInfo(String protocol, String cipherSuite) {

    /** The comment a Received header carries after {@code with ESMTPS}: {@code version=TLSv1.3 cipher=TLS_AES_128_GCM_SHA256}. */
    public String receivedComment() {
        return "version=" + protocol + " cipher=" + cipherSuite;
    }

    @Override
    public String toString() {
        return protocol + " " + cipherSuite;
    }
}
