package io.mailserver.session;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.Optional;

/**
 * The SASL pieces SMTP AUTH (RFC 4954) and POP3 AUTH (RFC 5034) share: strict base64, the PLAIN message
 * (RFC 4616) and passwords as {@code char[]} that are wiped after use, never as Strings that linger on the heap.
 */
public final class Sasl {
    private Sasl() {
    }

    /** The identities and password of one PLAIN message. {@code authzid} is "" when the client sent none. */
    public record Plain(String authzid, String authcid, char[] password) {
    }

    /**
     * RFC 4616 2: {@code message = [authzid] UTF8NUL authcid UTF8NUL passwd}, where authcid and passwd are at least
     * one character ({@code 1*SAFE}). Empty when malformed (an empty password included); the protocols answer that
     * like a wrong password. {@code message} is left for the caller to wipe.
     */
    public static Optional<Plain> parsePlain(byte[] message) {
        int first = indexOfNul(message, 0);
        int second = first < 0 ? -1 : indexOfNul(message, first + 1);
        boolean wellFormed = second > first + 1 && second < message.length - 1 && indexOfNul(message, second + 1) < 0;
        if (!wellFormed) {
            return Optional.empty();
        }
        String authzid = new String(message, 0, first, StandardCharsets.UTF_8);
        String authcid = new String(message, first + 1, second - first - 1, StandardCharsets.UTF_8);
        return Optional.of(new Plain(authzid, authcid, utf8(message, second + 1, message.length)));
    }

    /** Strict RFC 4648 base64 (no line breaks, no stray characters); empty when it is not. */
    public static Optional<byte[]> decodeBase64(byte[] base64) {
        try {
            return Optional.of(Base64.getDecoder().decode(base64));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    /**
     * UTF-8 to a char array without a String in between. Malformed bytes become U+FFFD, which no password set
     * through mailctl contains, so they simply fail.
     */
    public static char[] utf8(byte[] bytes, int from, int to) {
        CharBuffer chars;
        try {
            chars = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPLACE)
                    .onUnmappableCharacter(CodingErrorAction.REPLACE).decode(ByteBuffer.wrap(bytes, from, to - from));
        } catch (CharacterCodingException e) {
            return new char[0]; // not with REPLACE
        }
        char[] out = Arrays.copyOfRange(chars.array(), chars.arrayOffset() + chars.position(), chars.arrayOffset() + chars.limit());
        Arrays.fill(chars.array(), '\0');
        return out;
    }

    private static int indexOfNul(byte[] b, int from) {
        for (int i = from; i < b.length; i++) {
            if (b[i] == 0) {
                return i;
            }
        }
        return -1;
    }
}
