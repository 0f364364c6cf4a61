package io.mailserver.mta.smtp;

/**
 * What kind of port a session came in on. MX takes mail for local domains from anyone (and relays
 * only for trusted clients); SUBMISSION (RFC 6409) takes mail from authenticated users only. Before TLS, AUTH
 * follows {@code smtp.plaintext-auth} on MX and {@code submission.plaintext-auth} on SUBMISSION
 * ({@link SmtpSettings#authAllowed}).
 */
public enum ListenerProfile {
    MX,
    SUBMISSION
}
