package io.mailserver.relay.dsn;

import java.time.Instant;
import java.util.Optional;

/**
 * One per-recipient block of a delivery status notification (RFC 3464 2.3).
 *
 * @param diagnostic the remote server's reply ("550 5.1.1 ...") or this server's own reason
 * @param remoteMta the host that gave the reply, when one did
 * @param note said before the reason in the human-readable part, e.g. that the message expired ("" for none)
 */
public record DsnRecipient(String finalRecipient, Action action, String status, String diagnostic, Optional<String> remoteMta,
                           Instant lastAttempt, String note) {
    public DsnRecipient(String finalRecipient, Action action, String status, String diagnostic, Optional<String> remoteMta, Instant lastAttempt) {
        this(finalRecipient, action, status, diagnostic, remoteMta, lastAttempt, "");
    }

    public enum Action {
        /** Given up: Action: failed. */
        FAILED,
        /** Still being retried: Action: delayed. */
        DELAYED
    }
}
