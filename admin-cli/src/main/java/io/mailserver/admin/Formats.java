package io.mailserver.admin;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Locale;

/** How mailctl shows times and sizes, the same in tables and JSON. */
public final class Formats {
    private Formats() {
    }

    /** ISO-8601 in UTC to the second, e.g. {@code 2025-01-31T09:15:02Z}. */
    public static String instant(Instant instant) {
        return instant == null ? "" : instant.truncatedTo(ChronoUnit.SECONDS).toString();
    }

    /** A byte count for people: {@code 512 B}, {@code 4.2 KiB}, {@code 31.0 MiB}. */
    public static String bytes(long n) {
        if (n < 1024) {
            return n + " B";
        }
        String[] units = {"KiB", "MiB", "GiB", "TiB"};
        double v = n;
        int unit = -1;
        while (v >= 1024 && unit < units.length - 1) {
            v /= 1024;
            unit++;
        }
        return String.format(Locale.ROOT, "%.1f %s", v, units[unit]);
    }

    /** "1 message", "3 messages". */
    public static String count(long n, String singular, String plural) {
        return n + " " + (n == 1 ? singular : plural);
    }
}
