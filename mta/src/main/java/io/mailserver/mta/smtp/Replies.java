package io.mailserver.mta.smtp;

import java.util.List;

/**
 * Every reply the server sends, by name, with its RFC 5321 code and RFC 3463 enhanced status code.
 * Texts follow Postfix where a postmaster would grep for them.
 */
public final class Replies {
    private Replies() {
    }

    // ---- positive

    public static final SmtpReply OK = SmtpReply.of(250, "2.0.0", "Ok");
    public static final SmtpReply SENDER_OK = SmtpReply.of(250, "2.1.0", "Ok");
    public static final SmtpReply RECIPIENT_OK = SmtpReply.of(250, "2.1.5", "Ok");
    /** RFC 5321 4.2.2: 354 is an intermediate reply; RFC 2034 gives enhanced codes only to 2xx/4xx/5xx. */
    public static final SmtpReply START_MAIL_INPUT = SmtpReply.plain(354, "End data with <CR><LF>.<CR><LF>");
    /** RFC 5321 3.5.3: the server will not say, but will try to deliver. */
    public static final SmtpReply CANNOT_VRFY = SmtpReply.of(252, "2.5.1", "Cannot VRFY user, but will accept message and attempt delivery");

    public static SmtpReply greeting(String host) {
        return SmtpReply.plain(220, host + " ESMTP ready");
    }

    /** RFC 5321 4.1.1.1: the reply to HELO names this server. */
    public static SmtpReply helo(String host) {
        return SmtpReply.plain(250, host);
    }

    public static SmtpReply queued(String queueId) {
        return SmtpReply.of(250, "2.0.0", "Ok: queued as " + queueId);
    }

    public static SmtpReply bye(String host) {
        return SmtpReply.of(221, "2.0.0", host + " closing connection");
    }

    public static SmtpReply help(List<String> lines) {
        return SmtpReply.multi(214, "2.0.0", lines);
    }

    // ---- syntax and sequence (RFC 5321 4.2.4, 4.3.2)

    public static final SmtpReply UNKNOWN_COMMAND = SmtpReply.of(500, "5.5.2", "Error: command not recognized");
    public static final SmtpReply EMPTY_COMMAND = SmtpReply.of(500, "5.5.2", "Error: bad syntax");
    public static final SmtpReply LINE_TOO_LONG = SmtpReply.of(500, "5.5.2", "Error: line too long");
    public static final SmtpReply CONTROL_CHARACTERS = SmtpReply.of(500, "5.5.2", "Error: control characters in command");
    public static final SmtpReply BARE_NEWLINE_IN_COMMAND =
            SmtpReply.of(500, "5.5.2", "Error: bare <LF> or <CR> received; commands end with <CR><LF>");
    public static final SmtpReply NOT_IMPLEMENTED = SmtpReply.of(502, "5.5.1", "Error: command not implemented");
    public static final SmtpReply NEED_HELO = SmtpReply.of(503, "5.5.1", "Error: send HELO/EHLO first");
    public static final SmtpReply NESTED_MAIL = SmtpReply.of(503, "5.5.1", "Error: nested MAIL command");
    public static final SmtpReply NEED_MAIL = SmtpReply.of(503, "5.5.1", "Error: need MAIL command");
    public static final SmtpReply NEED_RCPT = SmtpReply.of(503, "5.5.1", "Error: need RCPT command");
    /** RFC 5321 3.3 and RFC 2920 3.1: DATA after every RCPT failed. */
    public static final SmtpReply NO_VALID_RECIPIENTS = SmtpReply.of(554, "5.5.1", "Error: no valid recipients");
    public static final SmtpReply INVALID_DOMAIN = SmtpReply.of(501, "5.5.4", "Error: invalid domain name");
    public static final SmtpReply SYNTAX_MAIL = SmtpReply.of(501, "5.5.4", "Syntax: MAIL FROM:<address>");
    public static final SmtpReply SYNTAX_RCPT = SmtpReply.of(501, "5.5.4", "Syntax: RCPT TO:<address>");
    public static final SmtpReply SYNTAX_VRFY = SmtpReply.of(501, "5.5.4", "Syntax: VRFY address");
    public static final SmtpReply SYNTAX_EXPN = SmtpReply.of(501, "5.5.4", "Syntax: EXPN list");
    /** Postfix-style early-talker and improper-pipelining refusal (RFC 2920 3.1; RFC 5321 4.3.1). */
    public static final SmtpReply PROTOCOL_SYNCHRONIZATION = SmtpReply.of(554, "5.5.0", "Error: SMTP protocol synchronization");
    public static final SmtpReply TLS_REQUIRED = SmtpReply.of(530, "5.7.0", "Must issue a STARTTLS command first");
    public static final SmtpReply AUTH_REQUIRED = SmtpReply.of(530, "5.7.0", "Authentication required");

    public static SmtpReply syntax(String usage) {
        return SmtpReply.of(501, "5.5.4", "Syntax: " + usage);
    }

    public static SmtpReply badSenderSyntax(String reason) {
        return SmtpReply.of(501, "5.1.7", "Bad sender address syntax: " + reason);
    }

    public static SmtpReply badRecipientSyntax(String reason) {
        return SmtpReply.of(501, "5.1.3", "Bad recipient address syntax: " + reason);
    }

    public static SmtpReply badParameter(String reason) {
        return SmtpReply.of(501, "5.5.4", "Bad parameter: " + reason);
    }

    /** RFC 5321 4.1.1.11 / 4.2.2: a parameter that is not recognized. */
    public static SmtpReply unsupportedParameter(String keyword) {
        return SmtpReply.of(555, "5.5.4", "Unsupported parameter " + keyword);
    }

    // ---- envelope policy

    /** RFC 1870 6.1: declared SIZE over the limit. */
    public static final SmtpReply SIZE_EXCEEDS_LIMIT = SmtpReply.of(552, "5.3.4", "Message size exceeds fixed maximum message size");
    /** RFC 5321 4.5.3.1.10. */
    public static final SmtpReply TOO_MANY_RECIPIENTS = SmtpReply.of(452, "4.5.3", "Error: too many recipients");

    public static SmtpReply userUnknown(String path) {
        return SmtpReply.of(550, "5.1.1", path + ": Recipient address rejected: User unknown");
    }

    public static SmtpReply relayDenied(String path) {
        return SmtpReply.of(554, "5.7.1", path + ": Relay access denied");
    }

    public static SmtpReply postmasterUnavailable(String path) {
        return SmtpReply.of(451, "4.3.0", path + ": no mailbox for postmaster yet, try again later");
    }

    // ---- end of DATA

    public static final SmtpReply MESSAGE_TOO_BIG = SmtpReply.of(552, "5.3.4", "Error: message too big for system");
    public static final SmtpReply MAIL_LOOP = SmtpReply.of(554, "5.4.6", "Error: too many Received headers, mail loop");
    public static final SmtpReply CONTENT_REJECTED = SmtpReply.of(554, "5.7.1", "Error: message content rejected");
    public static final SmtpReply BARE_NEWLINE_IN_DATA =
            SmtpReply.of(554, "5.5.2", "Error: bare <LF> or <CR> in message; lines end with <CR><LF>");
    public static final SmtpReply LONG_LINE_IN_DATA =
            SmtpReply.of(554, "5.6.0", "Error: message has a line longer than 998 octets");
    public static final SmtpReply LOCAL_ERROR = SmtpReply.of(451, "4.3.0", "Error: temporary local problem, try again later");

    // ---- VRFY / EXPN (RFC 5321 3.5)

    public static final SmtpReply EXPN_NOT_AVAILABLE = SmtpReply.of(502, "5.5.1", "Error: EXPN not available");

    public static SmtpReply verified(String mailbox) {
        return SmtpReply.of(250, "2.1.5", mailbox);
    }

    public static SmtpReply notLocal(String address) {
        return SmtpReply.of(551, "5.7.1", address + ": User not local");
    }

    public static SmtpReply unknownMailbox(String address) {
        return SmtpReply.of(550, "5.1.1", address + ": Mailbox unknown");
    }

    public static SmtpReply notAList(String address) {
        return SmtpReply.of(550, "5.1.1", address + ": Not a mailing list");
    }

    /** RFC 5321 3.5.3 (example in 3.5.4): the name matches more than one mailbox. */
    public static SmtpReply ambiguous(String name, List<String> candidates) {
        SmtpReply r = SmtpReply.of(553, "5.1.4", "Ambiguous; possibilities are");
        for (String c : candidates) {
            r = r.withLine(c);
        }
        return r;
    }

    // ---- closing (RFC 5321 3.8: 421 may be sent at any time, then close)

    public static SmtpReply shuttingDown(String host) {
        return SmtpReply.of(421, "4.3.2", host + " Service shutting down, closing connection");
    }

    public static SmtpReply timeout(String host) {
        return SmtpReply.of(421, "4.4.2", host + " Error: timeout exceeded");
    }

    public static SmtpReply tooManyErrors(String host) {
        return SmtpReply.of(421, "4.7.0", host + " Error: too many errors");
    }

    public static SmtpReply tooManyConnections(String host, boolean fromYourAddress) {
        return SmtpReply.of(421, "4.7.0", host + (fromYourAddress
                ? " Error: too many connections from your address, try again later"
                : " Error: too many connections, try again later"));
    }

    public static SmtpReply internalError(String host) {
        return SmtpReply.of(421, "4.3.0", host + " Error: internal problem, closing connection");
    }

    // ---- STARTTLS (RFC 3207) and AUTH (RFC 4954)

    public static final SmtpReply READY_FOR_TLS = SmtpReply.of(220, "2.0.0", "Ready to start TLS");
    public static final SmtpReply SYNTAX_STARTTLS = SmtpReply.of(501, "5.5.4", "Syntax: STARTTLS");
    public static final SmtpReply TLS_ALREADY_ACTIVE = SmtpReply.of(503, "5.5.1", "Error: TLS already active");
    /** STARTTLS after AUTH would let a session authenticated in plaintext carry on under TLS (session fixation). */
    public static final SmtpReply TLS_AFTER_AUTH = SmtpReply.of(503, "5.5.1", "Error: STARTTLS not allowed after AUTH");
    public static final SmtpReply TLS_UNAVAILABLE = SmtpReply.of(454, "4.7.0", "TLS not available due to temporary reason");

    /** RFC 4954 6: 235 2.7.0 on success. */
    public static final SmtpReply AUTH_OK = SmtpReply.of(235, "2.7.0", "Authentication successful");
    /** RFC 4954 6: 535 5.7.8, the same for an unknown user and a wrong password. */
    public static final SmtpReply AUTH_FAILED = SmtpReply.of(535, "5.7.8", "Authentication credentials invalid");
    /** RFC 4954 4: "*" cancels the exchange, answered 501. */
    public static final SmtpReply AUTH_CANCELLED = SmtpReply.of(501, "5.0.0", "Authentication cancelled");
    /** RFC 4954 4: a response that is not base64 is answered 501 5.5.2. */
    public static final SmtpReply AUTH_BAD_BASE64 = SmtpReply.of(501, "5.5.2", "Cannot decode response");
    public static final SmtpReply AUTH_SYNTAX = SmtpReply.of(501, "5.5.4", "Syntax: AUTH mechanism [initial-response]");
    /** RFC 4954 4: an unknown mechanism is 504 5.5.4. */
    public static final SmtpReply AUTH_UNKNOWN_MECHANISM = SmtpReply.of(504, "5.5.4", "Unrecognized authentication type");
    /** RFC 4954 4: after a successful AUTH, further AUTH commands get 503. */
    public static final SmtpReply AUTH_ALREADY_DONE = SmtpReply.of(503, "5.5.1", "Error: already authenticated");
    /** RFC 4954 6: 454 4.7.0 for a temporary failure (store unreachable, or too many failures from the address). */
    public static final SmtpReply AUTH_TEMPORARY_FAILURE = SmtpReply.of(454, "4.7.0", "Temporary authentication failure");
    public static final SmtpReply AUTH_TOO_MANY_FAILURES =
            SmtpReply.of(454, "4.7.0", "Too many failed authentications from your address; try again later");

    /** RFC 4954 4: a server challenge, base64 (empty for PLAIN). */
    public static SmtpReply challenge(String base64) {
        return SmtpReply.plain(334, base64);
    }

    /** RFC 6409 8.1 / RFC 4954 3: an authenticated user may use only envelope senders they own. */
    public static SmtpReply senderNotOwned(String path, String user) {
        return SmtpReply.of(553, "5.7.1", "Sender address rejected: " + path + " not owned by user " + user);
    }
}
