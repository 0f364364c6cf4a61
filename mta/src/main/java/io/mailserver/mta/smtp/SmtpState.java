package io.mailserver.mta.smtp;

/**
 * Where a session stands between commands (RFC 5321 4.1.4 and 4.3.2). Message content (DATA) is not
 * a state here: while it is being received, lines are content, not commands.
 */
public enum SmtpState {
    /** Greeting sent, no HELO/EHLO yet. */
    CONNECTED,
    /** HELO/EHLO done, no transaction. */
    GREETED,
    /** MAIL accepted, no recipient yet. */
    MAIL,
    /** At least one recipient accepted. */
    RCPT
}
