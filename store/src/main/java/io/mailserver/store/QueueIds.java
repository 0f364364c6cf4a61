package io.mailserver.store;

import java.security.SecureRandom;
import java.util.Locale;

/**
 * The one queue-id format, for every message the store takes (from SMTP and the notifications the server writes
 * itself), as the client sees it in {@code 250 2.0.0 Ok: queued as ...} and as logs and mailctl show it: the time
 * in milliseconds and 30 random bits, in base 36, upper case (13 characters). Unique enough for several nodes
 * writing one store; the store's own message id is the real key.
 */
public final class QueueIds {
    private static final SecureRandom RANDOM = new SecureRandom();

    private QueueIds() {
    }

    public static String next() {
        String time = Long.toString(System.currentTimeMillis(), 36);
        String random = Long.toString((RANDOM.nextInt() & 0x3fffffffL) + 36L * 36 * 36 * 36 * 36, 36);
        return (time + random.substring(random.length() - 5)).toUpperCase(Locale.ROOT);
    }
}
