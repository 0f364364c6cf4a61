package io.mailserver.config;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Parsers for the value syntaxes of the configuration file. */
public final class Values {
    private Values() {
    }

    /** {@code 10240000}, {@code 512K}, {@code 32M}, {@code 1G} (binary multiples). */
    public static long parseSize(String text) {
        String t = text.trim().toUpperCase(Locale.ROOT);
        if (t.endsWith("B")) {
            t = t.substring(0, t.length() - 1);
        }
        long mult = 1;
        if (t.endsWith("K")) {
            mult = 1024;
        } else if (t.endsWith("M")) {
            mult = 1024 * 1024;
        } else if (t.endsWith("G")) {
            mult = 1024L * 1024 * 1024;
        }
        if (mult != 1) {
            t = t.substring(0, t.length() - 1);
        }
        if (!t.matches("[0-9]{1,15}")) {
            throw new IllegalArgumentException("not a size");
        }
        return Long.parseLong(t) * mult;
    }

    /** {@code 300} (seconds), {@code 30s}, {@code 5m}, {@code 1h}, {@code 5d}, {@code 250ms}. */
    public static Duration parseDuration(String text) {
        String t = text.trim().toLowerCase(Locale.ROOT);
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("([0-9]{1,9})(ms|s|m|h|d)?").matcher(t);
        if (!m.matches()) {
            throw new IllegalArgumentException("not a duration");
        }
        long n = Long.parseLong(m.group(1));
        String unit = m.group(2) == null ? "s" : m.group(2);
        return switch (unit) {
            case "ms" -> Duration.ofMillis(n);
            case "s" -> Duration.ofSeconds(n);
            case "m" -> Duration.ofMinutes(n);
            case "h" -> Duration.ofHours(n);
            default -> Duration.ofDays(n);
        };
    }

    public static List<String> splitList(String text) {
        List<String> out = new ArrayList<>();
        for (String part : text.split(",")) {
            if (!part.isBlank()) {
                out.add(part.trim());
            }
        }
        return out;
    }

    /** {@code remote.test -> [127.0.0.1]:2600, other.test -> smtp.other.test:25}; domain keys in lower case. */
    public static Map<String, HostPort> parseRoutes(String text) {
        Map<String, HostPort> routes = new LinkedHashMap<>();
        for (String entry : splitList(text)) {
            int arrow = entry.indexOf("->");
            if (arrow < 0) {
                throw new IllegalArgumentException("missing -> in \"" + entry + "\"");
            }
            String domain = entry.substring(0, arrow).trim().toLowerCase(Locale.ROOT);
            if (domain.isEmpty()) {
                throw new IllegalArgumentException("missing domain in \"" + entry + "\"");
            }
            routes.put(domain, HostPort.parse(entry.substring(arrow + 2).trim()));
        }
        return routes;
    }
}
