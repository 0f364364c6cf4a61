package io.mailserver.mta.smtp;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.Locale;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code AUTH mechanism [initial-response]} (RFC 4954) with the two mechanisms that work against passwords
 * stored as slow hashes: PLAIN (RFC 4616) and LOGIN (the de-facto one that Outlook and older clients use). The
 * protocol has already made sure that TLS is on or the listener lets this client log in without it
 * ({@link SmtpSettings#authAllowed}), and that no mail transaction is open. Challenges are {@code 334} lines; the
 * client answers in base64, or {@code *} to cancel (501 5.0.0); a response that is not base64 gets 501 5.5.2
 * (RFC 4954 4).
 */
final class AuthCommand implements CommandHandler {
    private static final Logger log = LoggerFactory.getLogger(AuthCommand.class);
    static final String MECHANISMS = "PLAIN LOGIN";
    private static final String USERNAME_CHALLENGE = b64("Username:");
    private static final String PASSWORD_CHALLENGE = b64("Password:");

    private final Authenticator authenticator;

    AuthCommand(Authenticator authenticator) {
        this.authenticator = authenticator;
    }

    @Override
    public Outcome handle(SmtpProtocol protocol, String argument) {
        SmtpSession session = protocol.session();
        if (session.authenticatedUser() != null) {
            return Outcome.reply(Replies.AUTH_ALREADY_DONE);
        }
        String[] words = argument.isEmpty() ? new String[0] : argument.split(" +");
        if (words.length == 0 || words.length > 2) {
            return Outcome.reply(Replies.AUTH_SYNTAX);
        }
        String mechanism = words[0].toUpperCase(Locale.ROOT);
        if (!mechanism.equals("PLAIN") && !mechanism.equals("LOGIN")) {
            return Outcome.reply(Replies.AUTH_UNKNOWN_MECHANISM);
        }
        if (authenticator.blocked(session.remoteAddress())) {
            log.info("AUTH refused from {}: too many failed logins from that address", session.clientForLog());
            return Outcome.reply(Replies.AUTH_TOO_MANY_FAILURES);
        }
        byte[] initial = null;
        if (words.length == 2) {
            // RFC 4954 4: "=" is an initial response of zero length
            initial = words[1].equals("=") ? new byte[0] : decode(words[1].getBytes(StandardCharsets.US_ASCII));
            if (initial == null) {
                return Outcome.reply(Replies.AUTH_BAD_BASE64);
            }
        }
        if (mechanism.equals("PLAIN")) {
            if (initial != null) {
                return plain(protocol, initial);
            }
            protocol.expectResponse((p, line) -> respond(p, line, this::plain));
            return Outcome.reply(Replies.challenge(""));
        }
        if (initial != null) {
            return askPassword(protocol, initial);
        }
        protocol.expectResponse((p, line) -> respond(p, line, this::askPassword));
        return Outcome.reply(Replies.challenge(USERNAME_CHALLENGE));
    }

    private interface Step {
        Outcome next(SmtpProtocol protocol, byte[] decoded);
    }

    /** One client response: {@code *} cancels, anything else must be base64. */
    private static Outcome respond(SmtpProtocol protocol, byte[] line, Step step) {
        if (line.length == 1 && line[0] == '*') {
            return Outcome.reply(Replies.AUTH_CANCELLED);
        }
        byte[] decoded = decode(line);
        if (decoded == null) {
            return Outcome.reply(Replies.AUTH_BAD_BASE64);
        }
        return step.next(protocol, decoded);
    }

    /** LOGIN: the user name came; ask for the password. */
    private Outcome askPassword(SmtpProtocol protocol, byte[] userName) {
        String user = new String(userName, StandardCharsets.UTF_8);
        protocol.expectResponse((p, line) -> respond(p, line, (q, password) -> {
            try {
                return authenticator.login(q, "LOGIN", user, "", Authenticator.utf8(password, 0, password.length));
            } finally {
                Arrays.fill(password, (byte) 0);
            }
        }));
        return Outcome.reply(Replies.challenge(PASSWORD_CHALLENGE));
    }

    /** RFC 4616 2: {@code [authzid] NUL authcid NUL passwd}; a malformed message fails like a wrong password. */
    private Outcome plain(SmtpProtocol protocol, byte[] message) {
        try {
            int first = indexOf(message, 0);
            int second = first < 0 ? -1 : indexOf(message, first + 1);
            boolean wellFormed = first >= 0 && second > first + 1 && indexOf(message, second + 1) < 0;
            if (!wellFormed) {
                return authenticator.login(protocol, "PLAIN", "", "", new char[0]);
            }
            String authzid = new String(message, 0, first, StandardCharsets.UTF_8);
            String authcid = new String(message, first + 1, second - first - 1, StandardCharsets.UTF_8);
            return authenticator.login(protocol, "PLAIN", authcid, authzid, Authenticator.utf8(message, second + 1, message.length));
        } finally {
            Arrays.fill(message, (byte) 0);
        }
    }

    /** Strict RFC 4648 base64 (no line breaks, no stray characters); null when it is not. */
    private static byte[] decode(byte[] base64) {
        try {
            return Base64.getDecoder().decode(base64);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    private static int indexOf(byte[] b, int from) {
        for (int i = from; i < b.length; i++) {
            if (b[i] == 0) {
                return i;
            }
        }
        return -1;
    }

    private static String b64(String text) {
        return Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.US_ASCII));
    }
}
