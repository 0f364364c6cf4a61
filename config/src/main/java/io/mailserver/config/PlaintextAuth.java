package io.mailserver.config;

import java.net.InetAddress;

/**
 * Whether a plain (not yet encrypted) listener lets a client log in before TLS: SMTP AUTH on {@code smtp.listen} and
 * {@code submission.listen}, USER/PASS and AUTH on {@code pop3.listen}. A password sent in clear can be read on the
 * way, so the default is {@link #NEVER}; {@link #LOOPBACK} serves a webmail or relay on the same host, whose traffic
 * never leaves the machine (Dovecot counts loopback as secure for the same reason).
 */
public enum PlaintextAuth {
    /** Only under TLS (STARTTLS/STLS, or the implicit-TLS ports). */
    NEVER,
    /** Also without TLS when the client connects from a loopback address (127.0.0.0/8, ::1). */
    LOOPBACK,
    /** Also without TLS from anywhere: for tests and closed networks only. */
    ALWAYS;

    /** The configuration spelling: {@code never}, {@code loopback}, {@code always}. */
    public static PlaintextAuth parse(String value) {
        return valueOf(value.strip().toUpperCase(java.util.Locale.ROOT));
    }

    /** True when a client at {@code client} may log in on a connection that is not encrypted. */
    public boolean permits(InetAddress client) {
        return switch (this) {
            case NEVER -> false;
            case LOOPBACK -> isLoopback(client);
            case ALWAYS -> true;
        };
    }

    /**
     * 127.0.0.0/8 and ::1. Java hands out an IPv4-mapped IPv6 peer ({@code ::ffff:127.0.0.1}) as an IPv4 address,
     * so that case is covered too; a null address (no peer known) is not loopback.
     */
    public static boolean isLoopback(InetAddress address) {
        return address != null && address.isLoopbackAddress();
    }
}
