package io.mailserver.mta.smtp.check;

/** Where in the SMTP dialog an {@link InboundCheck} runs. */
public enum Stage {
    /** The client has connected, before the greeting; a refusal replaces the greeting and closes. */
    CONNECT,
    /** HELO or EHLO passed its syntax check; a refusal replaces the 250. */
    HELO,
    /** MAIL FROM passed its syntax check; a refusal replaces the 250. */
    MAIL,
    /** RCPT TO passed its syntax check and the recipient limit; a refusal replaces the 250. */
    RCPT,
    /** The content has streamed through the check; at CRLF.CRLF it decides, and may add a header field. */
    DATA_END
}
