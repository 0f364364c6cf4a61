package io.mailserver.mta.smtp;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.Locale;
import java.util.Optional;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.mailserver.session.Login;
import io.mailserver.session.Sasl;

/**
 * {@code AUTH mechanism [initial-response]} (RFC 4954) with the two mechanisms that work against passwords
 * stored as slow hashes: PLAIN (RFC 4616) and LOGIN (the de-facto one that Outlook and older clients use). The
 * protocol has already made sure that TLS is on or the listener lets this client log in without it
 * ({@link SmtpSettings#authAllowed}), and that no mail transaction is open. Challenges are {@code 334} lines; the
 * client answers in base64, or {@code *} to cancel (501 5.0.0); a response that is not base64 gets 501 5.5.2
 * (RFC 4954 4). The password check, throttle and failure delays are the {@link Login} POP3 uses too.
 */
final class AuthCommand implements CommandHandler {
    private static final Logger log = LoggerFactory.getLogger(AuthCommand.class);
    static final String MECHANISMS = "PLAIN LOGIN";
    private static final String USERNAME_CHALLENGE = b64("Username:");
    private static final String PASSWORD_CHALLENGE = b64("Password:");

    private final Login login;

    AuthCommand(Login login) {
        this.login = login;
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
        if (client(session).blocked()) {
            log.info("AUTH refused from {}: too many failed logins from that address", session.clientForLog());
            return Outcome.reply(Replies.AUTH_TOO_MANY_FAILURES);
        }
        byte[] initial = null;
        if (words.length == 2) {
            // RFC 4954 4: "=" is an initial response of zero length
            Optional<byte[]> decoded = words[1].equals("=") ? Optional.of(new byte[0])
                    : Sasl.decodeBase64(words[1].getBytes(StandardCharsets.US_ASCII));
            if (decoded.isEmpty()) {
                return Outcome.reply(Replies.AUTH_BAD_BASE64);
            }
            initial = decoded.get();
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
        Optional<byte[]> decoded = Sasl.decodeBase64(line);
        if (decoded.isEmpty()) {
            return Outcome.reply(Replies.AUTH_BAD_BASE64);
        }
        return step.next(protocol, decoded.get());
    }

    /** LOGIN: the user name came; ask for the password. */
    private Outcome askPassword(SmtpProtocol protocol, byte[] userName) {
        String user = new String(userName, StandardCharsets.UTF_8);
        protocol.expectResponse((p, line) -> respond(p, line, (q, password) -> {
            try {
                return attempt(q, "LOGIN", user, "", Sasl.utf8(password, 0, password.length));
            } finally {
                Arrays.fill(password, (byte) 0);
            }
        }));
        return Outcome.reply(Replies.challenge(PASSWORD_CHALLENGE));
    }

    /** RFC 4616: a malformed message (an empty password included) fails like a wrong password. */
    private Outcome plain(SmtpProtocol protocol, byte[] message) {
        try {
            Sasl.Plain credentials = Sasl.parsePlain(message).orElse(new Sasl.Plain("", "", new char[0]));
            return attempt(protocol, "PLAIN", credentials.authcid(), credentials.authzid(), credentials.password());
        } finally {
            Arrays.fill(message, (byte) 0);
        }
    }

    private Outcome attempt(SmtpProtocol protocol, String mechanism, String authcid, String authzid, char[] password) {
        SmtpSession session = protocol.session();
        Login.Result result = client(session).attempt("AUTH " + mechanism, session.clientForLog(), authcid, authzid, password);
        return switch (result.outcome()) {
            case SUCCESS -> {
                session.setAuthenticatedUser(result.user().address());
                log.info("AUTH {} ok: user={} from {}", mechanism, result.user().address(), session.clientForLog());
                yield Outcome.reply(Replies.AUTH_OK);
            }
            case FAILED -> Outcome.reply(Replies.AUTH_FAILED).delayed(result.delay());
            case THROTTLED -> Outcome.reply(Replies.AUTH_TOO_MANY_FAILURES);
            case UNAVAILABLE -> Outcome.reply(Replies.AUTH_TEMPORARY_FAILURE);
        };
    }

    private Login.Client client(SmtpSession session) {
        return session.loginClient(() -> login.client(session.remoteAddress()));
    }

    private static String b64(String text) {
        return Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.US_ASCII));
    }
}
