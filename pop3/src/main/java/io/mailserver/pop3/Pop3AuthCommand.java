package io.mailserver.pop3;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

import io.mailserver.session.Sasl;

/**
 * {@code AUTH mechanism [initial-response]} (RFC 5034) with the PLAIN mechanism (RFC 4616), the only
 * one that works with passwords stored as slow hashes. Without an initial response the server sends
 * {@code "+ "} and reads one line: base64, or {@code *} to cancel. An initial response of {@code =}
 * means an empty one (RFC 5034 section 4). Plain {@code AUTH} lists the mechanisms, as RFC 1734 clients
 * expect.
 */
final class Pop3AuthCommand implements Pop3Command {
    static final String PLAIN = "PLAIN";

    @Override
    public Pop3Reply execute(Pop3Session session, CommandLine line) {
        byte[] raw = line.rawArgument();
        try {
            int end = raw.length;
            while (end > 0 && raw[end - 1] == ' ') {
                end--;
            }
            if (end == 0) {
                return Pop3Reply.okMultiLine("", List.of(PLAIN));
            }
            int space = indexOf(raw, (byte) ' ', 0, end);
            String mechanism = new String(raw, 0, space < 0 ? end : space, StandardCharsets.US_ASCII).toUpperCase(Locale.ROOT);
            if (!mechanism.equals(PLAIN)) {
                return Pop3Reply.error("Unsupported authentication mechanism");
            }
            if (space < 0) {
                session.awaitSaslResponse();
                return Pop3Reply.continuation("");
            }
            int from = space + 1;
            if (from == end || indexOf(raw, (byte) ' ', from, end) >= 0) {
                return Pop3Reply.error("Syntax: AUTH PLAIN [initial-response]");
            }
            if (end - from == 1 && raw[from] == '=') {
                return plain(session, new byte[0]);
            }
            return decodeAndLogin(session, Arrays.copyOfRange(raw, from, end));
        } finally {
            line.wipe();
        }
    }

    /** The client's line after our {@code "+ "} continuation. */
    static Pop3Reply respond(Pop3Session session, byte[] line) {
        if (line.length == 1 && line[0] == '*') {
            // RFC 5034 section 4: the server MUST reject the AUTH command with -ERR
            return Pop3Reply.negative("Authentication cancelled");
        }
        return decodeAndLogin(session, line.clone());
    }

    private static Pop3Reply decodeAndLogin(Pop3Session session, byte[] base64) {
        Optional<byte[]> decoded = Sasl.decodeBase64(base64);
        Arrays.fill(base64, (byte) 0);
        if (decoded.isEmpty()) {
            // RFC 5034 section 4: a response that is not valid base64 is rejected with -ERR
            return Pop3Reply.error("Invalid base64 data");
        }
        return plain(session, decoded.get());
    }

    /** RFC 4616: a malformed message (an empty password included) fails like a wrong password. */
    private static Pop3Reply plain(Pop3Session session, byte[] message) {
        try {
            Sasl.Plain credentials = Sasl.parsePlain(message).orElse(new Sasl.Plain("", "", new char[0]));
            return session.login(credentials.authcid(), credentials.password(), credentials.authzid());
        } finally {
            Arrays.fill(message, (byte) 0);
        }
    }

    private static int indexOf(byte[] b, byte x, int from, int to) {
        for (int i = from; i < to; i++) {
            if (b[i] == x) {
                return i;
            }
        }
        return -1;
    }
}
