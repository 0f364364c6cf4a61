package io.mailserver.relay;

/** STARTTLS toward a destination. */
public enum RelayTlsPolicy {
    /** Never STARTTLS. */
    NONE,
    /** STARTTLS when offered, any certificate accepted (RFC 3207 section 4.1: most MTAs cannot verify; encryption still stops passive reading). */
    OPPORTUNISTIC,
    /** STARTTLS or no delivery; the certificate must chain to a trusted root and name the host. */
    REQUIRED;

    public static RelayTlsPolicy fromConfig(String value) {
        return valueOf(value.toUpperCase(java.util.Locale.ROOT));
    }
}
