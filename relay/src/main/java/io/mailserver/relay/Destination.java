package io.mailserver.relay;

import io.mailserver.config.HostPort;
import java.util.Optional;

/**
 * Where mail for one recipient domain goes, before any DNS lookup: the MX hosts of the domain, a
 * host named by a route, the smarthost, or an address literal. {@code key} identifies the
 * destination for the per-destination concurrency limit.
 */
public record Destination(Kind kind, String key, String domain, Optional<HostPort> host, RelayTlsPolicy tls,
                          Optional<Credentials> credentials) {
    public enum Kind { MX, ROUTE, SMARTHOST, LITERAL }

    /** AUTH user and password for the smarthost. */
    public record Credentials(String user, String password) {
        @Override
        public String toString() {
            return "Credentials[" + user + ", ****]";
        }
    }
}
