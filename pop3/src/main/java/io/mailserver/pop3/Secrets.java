package io.mailserver.pop3;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/** Passwords as {@code char[]} that are wiped after use, never as {@code String}s that linger on the heap. */
final class Secrets {
    private Secrets() {
    }

    /**
     * Decodes UTF-8 without making a String. Malformed input decodes to U+FFFD, which cannot match a
     * stored password set through mailctl from proper text, so it simply fails authentication.
     */
    static char[] utf8(byte[] bytes, int from, int to) {
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPLACE)
                .onUnmappableCharacter(CodingErrorAction.REPLACE);
        CharBuffer chars;
        try {
            chars = decoder.decode(ByteBuffer.wrap(bytes, from, to - from));
        } catch (CharacterCodingException e) {
            // cannot happen with REPLACE
            return new char[0];
        }
        char[] out = Arrays.copyOf(chars.array(), chars.limit());
        Arrays.fill(chars.array(), '\0');
        return out;
    }
}
