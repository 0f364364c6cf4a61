package io.mailserver.pop3;

/**
 * The unique-id listing of a message (RFC 1939 section 7, UIDL): 1 to 70 characters in 0x21..0x7E,
 * the same for a message in every session, never given to another message of the maildrop. The store's
 * uid is never reused, so the id is that uid in fixed-width lower-case hex (16 characters).
 */
public final class Uidl {
    private Uidl() {
    }

    public static String of(long uid) {
        String hex = Long.toHexString(uid);
        return "0".repeat(16 - hex.length()) + hex;
    }
}
