package io.mailserver.config;

import java.util.List;
import java.util.Locale;

/**
 * One configuration key: its name, default, kind of value and a line of documentation.
 * The kind decides how a value is validated; {@link ServerConfig} exposes typed getters.
 */
public record ConfigKey(String name, String defaultValue, Kind kind, List<String> choices, boolean repeatable, String doc) {

    public enum Kind { STRING, HOSTNAME, PATH, INT, SIZE, DURATION, BOOLEAN, LISTEN, LISTEN_OR_EMPTY, CIDR_LIST, CHOICE, ADDRESS_OR_EMPTY, DOMAIN_OR_EMPTY, ROUTES, REGEX }

    /** The environment variable that overrides this key: {@code MAILSERVER_} + the name in upper case, '.' and '-' as '_'. */
    public String envName() {
        return "MAILSERVER_" + name.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
    }

    /** Checks one value; returns null when it is fine, else what is expected. */
    String check(String value) {
        String v = value.trim();
        try {
            switch (kind) {
                case STRING, PATH -> { }
                case HOSTNAME -> {
                    if (!v.matches("(?i)[a-z0-9]([a-z0-9-]*[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*")) {
                        return "a host name such as mail.example.org";
                    }
                }
                case INT -> {
                    if (Long.parseLong(v) < 0) {
                        return "a whole number, 0 or more";
                    }
                }
                case SIZE -> Values.parseSize(v);
                case DURATION -> Values.parseDuration(v);
                case BOOLEAN -> {
                    if (!v.equalsIgnoreCase("true") && !v.equalsIgnoreCase("false")) {
                        return "true or false";
                    }
                }
                case LISTEN -> HostPort.parse(v);
                case LISTEN_OR_EMPTY -> {
                    if (!v.isEmpty()) {
                        HostPort.parse(v);
                    }
                }
                case CIDR_LIST -> Values.splitList(v).forEach(Cidr::parse);
                case CHOICE -> {
                    if (!choices.contains(v.toLowerCase(Locale.ROOT))) {
                        return "one of " + String.join(", ", choices);
                    }
                }
                case ADDRESS_OR_EMPTY -> {
                    if (!v.isEmpty() && !v.matches("[^@\\s<>]+@[A-Za-z0-9.-]+")) {
                        return "an address such as postmaster@example.org, or nothing";
                    }
                }
                case DOMAIN_OR_EMPTY -> {
                    if (!v.isEmpty() && !v.matches("(?i)[a-z0-9]([a-z0-9-]*[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*")) {
                        return "a domain such as example.org, or nothing";
                    }
                }
                case ROUTES -> Values.parseRoutes(v);
                case REGEX -> java.util.regex.Pattern.compile(v);
            }
        } catch (RuntimeException e) {
            return expected() + (e.getMessage() == null ? "" : " (" + e.getMessage() + ")");
        }
        return null;
    }

    String expected() {
        return switch (kind) {
            case STRING, PATH -> "text";
            case HOSTNAME -> "a host name";
            case INT -> "a whole number";
            case SIZE -> "a size such as 10240000, 512K, 32M or 1G";
            case DURATION -> "a duration such as 30s, 5m, 1h or 5d";
            case BOOLEAN -> "true or false";
            case LISTEN -> "host:port, e.g. 0.0.0.0:2525 or [::1]:2525";
            case LISTEN_OR_EMPTY -> "host:port, e.g. 0.0.0.0:2525, or nothing to turn it off";
            case CIDR_LIST -> "a comma-separated list of networks such as 127.0.0.0/8, ::1/128";
            case CHOICE -> "one of " + String.join(", ", choices);
            case ADDRESS_OR_EMPTY -> "an address, or nothing";
            case DOMAIN_OR_EMPTY -> "a domain, or nothing";
            case ROUTES -> "a comma-separated list of DOMAIN -> HOST:PORT, e.g. remote.test -> [127.0.0.1]:2600";
            case REGEX -> "a Java regular expression";
        };
    }
}
