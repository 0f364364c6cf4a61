package io.mailserver.admin;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Reads a new password: the first line of standard input ({@code --password-stdin}), or an interactive
 * prompt typed twice. Never from the command line, where {@code ps} and shell history would show it.
 * The result is a char[] the caller wipes after use.
 */
public final class Passwords {
    /** Longer lines are refused rather than silently cut. */
    static final int MAX_LENGTH = 1024;

    private Passwords() {
    }

    public static char[] read(boolean fromStdin, InputStream stdin, Terminal terminal, String address) {
        char[] password = fromStdin ? fromStdin(stdin) : prompt(terminal, address);
        if (password.length == 0) {
            throw CliException.usage("the password is empty");
        }
        return password;
    }

    /** The first line of stdin, without its line end (LF or CRLF). Reads no further than that line. */
    static char[] fromStdin(InputStream in) {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        boolean sawAny = false;
        try {
            int b;
            while ((b = in.read()) != -1) {
                sawAny = true;
                if (b == '\n') {
                    break;
                }
                if (line.size() > MAX_LENGTH * 4) {
                    throw CliException.usage("the password on standard input is longer than " + MAX_LENGTH + " characters");
                }
                line.write(b);
            }
        } catch (IOException e) {
            throw CliException.usage("cannot read the password from standard input: " + e.getMessage());
        }
        if (!sawAny) {
            throw CliException.usage("--password-stdin: standard input is empty (pipe the password in, e.g. printf '%s\\n' \"$PW\" | mailctl ...)");
        }
        byte[] bytes = line.toByteArray();
        int len = bytes.length;
        if (len > 0 && bytes[len - 1] == '\r') {
            len--;
        }
        try {
            CharBuffer chars = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes, 0, len));
            char[] result = new char[chars.remaining()];
            chars.get(result);
            Arrays.fill(chars.array(), '\0');
            try {
                check(result);
            } catch (CliException e) {
                Arrays.fill(result, '\0');
                throw e;
            }
            return result;
        } catch (CharacterCodingException e) {
            throw CliException.usage("the password on standard input is not valid UTF-8");
        } finally {
            Arrays.fill(bytes, (byte) 0);
        }
    }

    static char[] prompt(Terminal terminal, String address) {
        if (!terminal.available()) {
            throw CliException.usage("no terminal to prompt for the password: use --password-stdin and pipe it in");
        }
        char[] first = terminal.readPassword("New password for " + address + ": ");
        if (first == null) {
            throw CliException.usage("no password entered");
        }
        char[] second = terminal.readPassword("Type it again: ");
        try {
            if (second == null || !Arrays.equals(first, second)) {
                Arrays.fill(first, '\0');
                throw CliException.usage("the two passwords do not match; nothing changed");
            }
        } finally {
            if (second != null) {
                Arrays.fill(second, '\0');
            }
        }
        try {
            check(first);
        } catch (CliException e) {
            Arrays.fill(first, '\0');
            throw e;
        }
        return first;
    }

    private static void check(char[] password) {
        if (password.length > MAX_LENGTH) {
            throw CliException.usage("the password is longer than " + MAX_LENGTH + " characters");
        }
        for (char c : password) {
            if (c < 0x20 || c == 0x7f) {
                // AUTH PLAIN (RFC 4616) forbids NUL, and no client sends control characters a user can type
                throw CliException.usage("the password contains a control character");
            }
        }
    }
}
