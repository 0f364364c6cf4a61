package io.mailserver.mta.smtp;

import java.nio.charset.StandardCharsets;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/**
 * The trace header this server prepends (RFC 5321 4.4, RFC 5322 3.6.7):
 * <pre>
 * Received: from helo.example ([192.0.2.1])
 *         by mail.example.test with ESMTPS id 1A2B3C4D5E6F7
 *         (version=TLSv1.3 cipher=TLS_AES_128_GCM_SHA256)
 *         for &lt;alice@example.test&gt;; Tue, 1 Jul 2025 10:00:00 +0000
 * </pre>
 * With reverse lookups on, the client's forward-confirmed name stands before its address, as Postfix writes it:
 * {@code from helo.example (mail.example.org [192.0.2.1])}, or {@code (unknown [192.0.2.1])} when the address has
 * no name that resolves back to it.
 * The comment with the TLS version and cipher appears when the message came over TLS (as sendmail writes it).
 * {@code for} only when the message has one recipient (more would disclose a list's members).
 */
public final class ReceivedHeader {
    /** RFC 5322 3.3 date-time, numeric zone. */
    static final DateTimeFormatter DATE = DateTimeFormatter.ofPattern("EEE, d MMM yyyy HH:mm:ss Z", Locale.US);

    private ReceivedHeader() {
    }

    /**
     * RFC 5321 4.4 and RFC 3848: SMTP after HELO, ESMTP after EHLO, with S for TLS and A for AUTH.
     */
    public static String protocol(SmtpSession session) {
        if (!session.esmtp()) {
            return "SMTP";
        }
        return "ESMTP" + (session.tlsActive() ? "S" : "") + (session.authenticatedUser() != null ? "A" : "");
    }

    public static byte[] render(SmtpSession session, String hostname, String queueId, ForwardPath onlyRecipient, ZonedDateTime when) {
        StringBuilder sb = new StringBuilder(200);
        sb.append("Received: from ").append(session.helo() == null ? "unknown" : session.helo())
                .append(" (").append(session.clientName() == null ? "" : session.clientName() + " ").append(session.remoteLiteral()).append(")\r\n")
                .append("\tby ").append(hostname).append(" with ").append(protocol(session)).append(" id ").append(queueId);
        if (session.tls() != null) {
            sb.append("\r\n\t(").append(session.tls().receivedComment()).append(')');
        }
        if (onlyRecipient != null) {
            sb.append("\r\n\tfor ").append(onlyRecipient);
        }
        sb.append("; ").append(DATE.format(when)).append("\r\n");
        return sb.toString().getBytes(StandardCharsets.US_ASCII);
    }
}
