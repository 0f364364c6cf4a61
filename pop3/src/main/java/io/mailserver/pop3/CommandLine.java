package io.mailserver.pop3;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * One parsed command line (RFC 1939 section 3): a case-insensitive keyword of printable ASCII, then
 * arguments separated by spaces. {@code rawArgument} is everything after the first space, byte for byte,
 * because PASS takes the rest of the line as one argument that may contain spaces (RFC 1939 section 7)
 * and may be UTF-8.
 */
public record CommandLine(String verb, byte[] rawArgument) {

    /** Parses a line; returns null when it has no usable keyword (empty, or not printable ASCII). */
    public static CommandLine parse(byte[] line) {
        int space = indexOf(line, (byte) ' ');
        int verbEnd = space < 0 ? line.length : space;
        if (verbEnd == 0) {
            return null;
        }
        for (int i = 0; i < verbEnd; i++) {
            if (line[i] < 0x21 || line[i] > 0x7e) {
                return null;
            }
        }
        String verb = new String(line, 0, verbEnd, StandardCharsets.US_ASCII).toUpperCase(Locale.ROOT);
        byte[] arg = space < 0 ? new byte[0] : Arrays.copyOfRange(line, space + 1, line.length);
        return new CommandLine(verb, arg);
    }

    private static int indexOf(byte[] b, byte x) {
        for (int i = 0; i < b.length; i++) {
            if (b[i] == x) {
                return i;
            }
        }
        return -1;
    }

    /** The argument text as ISO-8859-1 (one char per byte, nothing lost). */
    public String argumentText() {
        return new String(rawArgument, StandardCharsets.ISO_8859_1);
    }

    /**
     * The arguments split at spaces. Trailing spaces and repeated spaces are tolerated (some clients send
     * {@code "STAT "}); an argument with a control character makes the whole list invalid (null).
     */
    public List<String> arguments() {
        List<String> out = new ArrayList<>();
        for (String part : argumentText().split(" ")) {
            if (part.isEmpty()) {
                continue;
            }
            for (int i = 0; i < part.length(); i++) {
                char c = part.charAt(i);
                if (c < 0x21 || c == 0x7f) {
                    return null;
                }
            }
            out.add(part);
        }
        return out;
    }

    /** Wipes the argument bytes (PASS and AUTH carry secrets). */
    public void wipe() {
        Arrays.fill(rawArgument, (byte) 0);
    }

    @Override
    public String toString() {
        // never the argument: it may be a password
        return "CommandLine[" + verb + "]";
    }
}
