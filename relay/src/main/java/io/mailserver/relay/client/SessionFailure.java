package io.mailserver.relay.client;

/**
 * The session with one hop failed before or between transactions (connect, greeting, EHLO,
 * STARTTLS, AUTH, a lost connection): the caller tries the next hop. {@code permanent} is true only
 * when the server refused service with a 5yz reply.
 */
public class SessionFailure extends Exception {
    private static final long serialVersionUID = 1L;

    private final boolean permanent;
    private final String status;

    public SessionFailure(String message, boolean permanent, String status) {
        super(message);
        this.permanent = permanent;
        this.status = status;
    }

    public boolean permanent() {
        return permanent;
    }

    /** Enhanced status code for a DSN or log. */
    public String status() {
        return status;
    }

    /** The TLS handshake failed under opportunistic TLS: the hop may be tried again without TLS. */
    public static final class TlsHandshakeFailed extends SessionFailure {
        private static final long serialVersionUID = 1L;

        public TlsHandshakeFailed(String message) {
            super(message, false, "4.7.5");
        }
    }
}
