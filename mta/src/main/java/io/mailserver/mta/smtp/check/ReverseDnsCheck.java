package io.mailserver.mta.smtp.check;

import io.mailserver.mailauth.client.ForwardConfirmedName;
import io.mailserver.mta.smtp.SmtpSession;

/**
 * Not a policy: finds the client's forward-confirmed reverse DNS name at connect, for the Received header
 * ({@code from helo (name [ip])}, or {@code unknown}, as Postfix writes it); {@code auth.reverse-dns}. Always
 * accepts. Every listener, every client.
 */
public record ReverseDnsCheck(ForwardConfirmedName names) implements ConnectCheck {
    @Override
    public CheckResult atConnect(SmtpSession session) {
        session.clientName(names.of(session.remoteAddress()).orElse("unknown"));
        return CheckResult.accept();
    }
}
