package io.mailserver.mta.smtp;

/**
 * STARTTLS (RFC 3207). The 220 leaves in plaintext, then the adapter switches the connection to TLS and
 * drops anything the client pipelined behind the command (4: "the client MUST NOT send" more, and what it
 * sent anyway must not run under TLS: CVE-2011-0411). The session forgets the client's EHLO and envelope
 * (4.2), so the client greets again under TLS.
 */
final class StartTlsCommand implements CommandHandler {
    @Override
    public Outcome handle(SmtpProtocol protocol, String argument) {
        SmtpSession session = protocol.session();
        if (!argument.isEmpty()) {
            return Outcome.reply(Replies.SYNTAX_STARTTLS); // RFC 3207 4: no parameters
        }
        if (session.tlsActive()) {
            return Outcome.reply(Replies.TLS_ALREADY_ACTIVE);
        }
        if (session.authenticatedUser() != null) {
            return Outcome.reply(Replies.TLS_AFTER_AUTH);
        }
        protocol.resetForTls();
        return Outcome.startTls(Replies.READY_FOR_TLS);
    }
}
