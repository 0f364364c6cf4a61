package io.mailserver.mta.outbound.dsn;

import java.security.SecureRandom;
import java.util.Locale;

/** Queue ids for messages this server writes itself (notifications): 12 characters, time-ordered, unique in practice. */
public final class QueueIds {
    private static final SecureRandom RANDOM = new SecureRandom();

    private QueueIds() {
    }

    public static String next() {
        long time = System.currentTimeMillis() & 0xFFFF_FFFFFFL; // 40 bits of milliseconds
        long rnd = RANDOM.nextInt(1 << 20);
        String s = Long.toString((time << 20) | rnd, 36).toUpperCase(Locale.ROOT);
        return "000000000000".substring(Math.min(12, s.length())) + s;
    }
}
