package io.mailserver.mta.smtp;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Tuple;

/**
 * Generators of hostile SMTP client input for the fuzz properties: valid commands with random and
 * nasty arguments in random case, random bytes, message content with dots, bare CR/LF, NUL and
 * over-long lines, the SMTP smuggling vectors, and pipelined transactions that reach DATA. A dialog is
 * a list of such chunks, sent as one byte stream and cut into reads at random places.
 */
public final class SmtpFuzzInput {
    /** Everything that might be taken for the end of DATA but is not CRLF.CRLF (smuggling, 2023). */
    public static final List<String> FAKE_TERMINATORS = List.of("\n.\n", "\r.\n", "\n.\r\n", "\r\n.\n", "\r.\r", "\n.\r", "\r\n.\r",
            "\r.\r\n", "\r\n\u0000.\r\n", "\r\n.\u0000\r\n", "\r\n .\r\n", "\r\n..\r\n");

    private static final List<String> VERBS = List.of("EHLO", "HELO", "MAIL FROM:", "RCPT TO:", "DATA", "RSET", "NOOP", "QUIT", "VRFY",
            "EXPN", "HELP", "STARTTLS", "AUTH", "BDAT", "ETRN", "TURN", "SEND", "MAIL", "RCPT", "XCLIENT", "X", "");

    private static final List<String> ARGUMENTS = List.of("<alice@example.test>", "<bob@example.test>", "<team@example.test>",
            "<postmaster>", "<Postmaster@example.test>", "<>", "<carol@remote.test>", "<s@far.test> SIZE=100", "<s@far.test> SIZE=99999999999999999999",
            "<s@far.test> BODY=8BITMIME", "<s@far.test> BODY=BINARYMIME", "<s@far.test> SMTPUTF8", "<s@far.test> FOO=bar", "<a@[127.0.0.1]>",
            "<a@[IPv6:::1]>", "<@relay.test,@b.test:alice@example.test>", "<\"quoted local\"@example.test>", "<\"\\\"\"@example.test>",
            "<alice@example.test", "alice@example.test", "<alice@@example.test>", "<alice@example..test>", "<a b@example.test>",
            "<alice@example.test.>", "client.test", "[192.0.2.1]", "[IPv6:2001:db8::1]", "bad..name", "alice", "Alice Liddell",
            "PLAIN", "PLAIN AGFsaWNlAHB3", "LOGIN", "0", "-1", "10 LAST", "18446744073709551616", "\u00e9t\u00e9", "%", "*");

    private SmtpFuzzInput() {
    }

    /** A whole client dialog as bytes. */
    public static Arbitrary<byte[]> dialogs() {
        return chunk().list().ofMinSize(1).ofMaxSize(30).map(SmtpFuzzInput::concat);
    }

    static Arbitrary<String> chunk() {
        return Arbitraries.frequencyOf(
                Tuple.of(10, command()),
                Tuple.of(4, Arbitraries.just("EHLO client.test\r\nMAIL FROM:<s@far.test>\r\nRCPT TO:<alice@example.test>\r\nDATA\r\n")),
                Tuple.of(3, Arbitraries.just("EHLO client.test\r\n")),
                Tuple.of(6, dataContent()),
                Tuple.of(3, smuggling()),
                Tuple.of(2, randomBytes()),
                Tuple.of(1, Arbitraries.just(".\r\n")));
    }

    /** A command with a random (often hostile) argument, in random case, ended by CRLF or something else. */
    static Arbitrary<String> command() {
        Arbitrary<String> verb = Arbitraries.of(VERBS).flatMap(v -> Arbitraries.of(v, v.toLowerCase(Locale.ROOT), mixedCase(v)));
        Arbitrary<String> argument = Arbitraries.frequencyOf(
                Tuple.of(6, Arbitraries.of(ARGUMENTS)),
                Tuple.of(2, Arbitraries.strings().ascii().ofMaxLength(40)),
                Tuple.of(1, Arbitraries.strings().withCharRange('\u0000', '\u00ff').ofMaxLength(30)),
                Tuple.of(1, Arbitraries.integers().between(500, 12_000).map(n -> "<" + "x".repeat(n) + "@far.test>")),
                Tuple.of(1, Arbitraries.just("")));
        Arbitrary<String> separator = Arbitraries.frequencyOf(Tuple.of(8, Arbitraries.just(" ")), Tuple.of(1, Arbitraries.just("")),
                Tuple.of(1, Arbitraries.just("  ")), Tuple.of(1, Arbitraries.just("\t")));
        return Combinators.combine(verb, separator, argument, lineEnd()).as((v, s, a, e) -> v + (v.endsWith(":") ? "" : s) + a + e);
    }

    /** Message content lines: headers, dots, empty lines, 8-bit, NUL, over-long lines; mostly CRLF. */
    static Arbitrary<String> dataContent() {
        Arbitrary<String> line = Arbitraries.frequencyOf(
                Tuple.of(4, Arbitraries.of("Subject: fuzz", "From: <a@far.test>", "Received: from x", "", "body text", "..", ".x", "...",
                        " .", "MAIL FROM:<ceo@example.test>", "QUIT", "\u00e9t\u00e9 \u65e5")),
                Tuple.of(2, Arbitraries.strings().ascii().ofMaxLength(80)),
                Tuple.of(1, Arbitraries.strings().withCharRange('\u0000', '\u00ff').ofMaxLength(80)),
                Tuple.of(1, Arbitraries.integers().between(900, 20_000).map(n -> "y".repeat(n))));
        return Combinators.combine(line, lineEnd()).as((l, e) -> l + e).list().ofMinSize(1).ofMaxSize(12).map(l -> String.join("", l));
    }

    /** A message whose content hides a fake end of data followed by a second transaction. */
    static Arbitrary<String> smuggling() {
        return Arbitraries.of(FAKE_TERMINATORS).map(fake -> "Subject: one\r\n\r\nbody" + fake
                + "MAIL FROM:<ceo@example.test>\r\nRCPT TO:<bob@example.test>\r\nDATA\r\nSubject: smuggled\r\n\r\nevil\r\n.\r\n");
    }

    static Arbitrary<String> randomBytes() {
        return Arbitraries.bytes().array(byte[].class).ofMaxSize(64).map(b -> new String(b, StandardCharsets.ISO_8859_1));
    }

    static Arbitrary<String> lineEnd() {
        return Arbitraries.frequencyOf(Tuple.of(12, Arbitraries.just("\r\n")), Tuple.of(1, Arbitraries.just("\n")),
                Tuple.of(1, Arbitraries.just("\r")), Tuple.of(1, Arbitraries.just("")), Tuple.of(1, Arbitraries.just("\r\r\n")));
    }

    /** Where the byte stream is cut into reads: random offsets (sorted, de-duplicated by the caller). */
    public static Arbitrary<List<Integer>> cuts() {
        return Arbitraries.integers().between(0, Integer.MAX_VALUE).list().ofMaxSize(12);
    }

    /** The stream cut into reads: at the given offsets (mod length), or after every line ending when {@code lineByLine}. */
    public static List<byte[]> pieces(byte[] input, List<Integer> cuts, boolean lineByLine) {
        List<Integer> points = new ArrayList<>();
        if (lineByLine) {
            for (int i = 0; i < input.length; i++) {
                if (input[i] == '\n') {
                    points.add(i + 1);
                }
            }
        } else if (input.length > 0) {
            for (int c : cuts) {
                points.add(c % (input.length + 1));
            }
        }
        points.add(input.length);
        points.sort(null);
        List<byte[]> out = new ArrayList<>();
        int from = 0;
        for (int to : points) {
            if (to > from) {
                byte[] piece = new byte[to - from];
                System.arraycopy(input, from, piece, 0, piece.length);
                out.add(piece);
                from = to;
            }
        }
        return out;
    }

    private static String mixedCase(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            sb.append(i % 2 == 0 ? Character.toLowerCase(c) : c);
        }
        return sb.toString();
    }

    private static byte[] concat(List<String> chunks) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (String c : chunks) {
            out.writeBytes(c.getBytes(StandardCharsets.ISO_8859_1));
        }
        return out.toByteArray();
    }
}
