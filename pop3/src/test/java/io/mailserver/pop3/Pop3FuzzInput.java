package io.mailserver.pop3;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Tuple;

/**
 * Generators of hostile POP3 client input: every command in random case with random and nasty
 * arguments (message numbers out of range, signs, huge numbers, extra arguments), real logins by
 * USER/PASS and SASL (so that sessions reach TRANSACTION), broken SASL exchanges, random bytes, bare
 * CR/LF and over-long lines.
 */
final class Pop3FuzzInput {
    private static final List<String> VERBS = List.of("USER", "PASS", "APOP", "AUTH", "STAT", "LIST", "RETR", "DELE", "NOOP", "RSET",
            "QUIT", "TOP", "UIDL", "CAPA", "STLS", "XTND", "LAST", "");
    private static final List<String> ARGUMENTS = List.of("1", "2", "3", "4", "0", "-1", "+1", "01", "1 0", "1 1", "2 99999", "3 2",
            "4294967296", "99999999999999999999", "1 2 3", "abc", "", " ", "alice@example.test", "alice", "right pass", "PLAIN", "LOGIN",
            "CRAM-MD5", "XOAUTH2", "*", "=", "PLAIN =", "PLAIN *", "PLAIN " + b64("\0alice@example.test\0right pass"),
            "PLAIN " + b64("bob@example.test\0alice@example.test\0right pass"), "PLAIN " + b64("\0alice@example.test\0wrong"),
            "PLAIN " + b64("no nuls"), "PLAIN !!!notbase64", "\u00e9t\u00e9");

    private Pop3FuzzInput() {
    }

    static Arbitrary<byte[]> dialogs() {
        return chunk().list().ofMinSize(1).ofMaxSize(30).map(Pop3FuzzInput::concat);
    }

    static Arbitrary<String> chunk() {
        return Arbitraries.frequencyOf(
                Tuple.of(10, command()),
                Tuple.of(8, Arbitraries.of("RETR 1", "RETR 2", "RETR 3", "RETR 4", "TOP 1 0", "TOP 2 1", "TOP 3 100", "TOP 4 0", "DELE 1",
                        "DELE 2", "DELE 3", "DELE 4", "LIST", "LIST 2", "UIDL", "UIDL 3", "STAT", "RSET", "NOOP", "CAPA", "QUIT")
                        .map(c -> c + "\r\n")),
                Tuple.of(3, Arbitraries.of("USER alice@example.test\r\nPASS right pass\r\n", "user alice\r\npass right pass\r\n",
                        "AUTH PLAIN " + b64("\0alice@example.test\0right pass") + "\r\n",
                        "AUTH PLAIN\r\n" + b64("\0alice@example.test\0right pass") + "\r\n",
                        "AUTH LOGIN\r\n" + b64("alice@example.test") + "\r\n" + b64("right pass") + "\r\n")),
                Tuple.of(2, Arbitraries.of("AUTH PLAIN\r\n*\r\n", "AUTH LOGIN\r\n*\r\n", "AUTH PLAIN\r\n\r\n", "AUTH LOGIN\r\n=\r\n=\r\n")),
                Tuple.of(2, Arbitraries.bytes().array(byte[].class).ofMaxSize(64).map(b -> new String(b, StandardCharsets.ISO_8859_1))),
                Tuple.of(1, Arbitraries.integers().between(200, 9000).map(n -> "NOOP " + "z".repeat(n) + "\r\n")));
    }

    static Arbitrary<String> command() {
        Arbitrary<String> verb = Arbitraries.of(VERBS).flatMap(v -> Arbitraries.of(v, v.toLowerCase(Locale.ROOT),
                v.isEmpty() ? v : v.charAt(0) + v.substring(1).toLowerCase(Locale.ROOT)));
        Arbitrary<String> argument = Arbitraries.frequencyOf(
                Tuple.of(6, Arbitraries.of(ARGUMENTS)),
                Tuple.of(2, Arbitraries.strings().ascii().ofMaxLength(30)),
                Tuple.of(1, Arbitraries.strings().withCharRange('\u0000', '\u00ff').ofMaxLength(20)));
        Arbitrary<String> separator = Arbitraries.of(" ", " ", " ", "", "  ", "\t");
        Arbitrary<String> end = Arbitraries.frequencyOf(Tuple.of(12, Arbitraries.just("\r\n")), Tuple.of(1, Arbitraries.just("\n")),
                Tuple.of(1, Arbitraries.just("\r")), Tuple.of(1, Arbitraries.just("")));
        return Combinators.combine(verb, separator, argument, end).as((v, s, a, e) -> v + s + a + e);
    }

    /** Cut points for the byte stream, as offsets modulo its length. */
    static Arbitrary<List<Integer>> cuts() {
        return Arbitraries.integers().between(0, Integer.MAX_VALUE).list().ofMaxSize(12);
    }

    static List<byte[]> pieces(byte[] input, List<Integer> cuts) {
        List<Integer> points = new ArrayList<>();
        for (int c : cuts) {
            points.add(c % (input.length + 1));
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

    private static String b64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

    private static byte[] concat(List<String> chunks) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        chunks.forEach(c -> out.writeBytes(c.getBytes(StandardCharsets.ISO_8859_1)));
        return out.toByteArray();
    }
}
