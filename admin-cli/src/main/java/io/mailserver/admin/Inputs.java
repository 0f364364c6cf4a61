package io.mailserver.admin;

import io.mailserver.config.Values;
import io.mailserver.store.MailAddress;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Checks what the operator typed before anything reaches the store; each refusal says what was wrong. */
public final class Inputs {
    private Inputs() {
    }

    /** An RFC 5321 mailbox ({@code local@domain}); {@code role} names it in the message ("address", "target"). */
    public static MailAddress address(String text, String role) {
        MailAddress address;
        try {
            address = MailAddress.parse(text);
        } catch (IllegalArgumentException e) {
            throw CliException.usage("malformed " + role + " \"" + Table.clean(text) + "\": " + e.getMessage() + " (RFC 5321 mailbox expected)");
        }
        return address;
    }

    /** An address in one of our own domains: never an address literal like {@code user@[192.0.2.1]}. */
    public static MailAddress localAddress(String text, String role) {
        MailAddress address = address(text, role);
        if (address.isAddressLiteral()) {
            throw CliException.usage(role + " \"" + text + "\" has an address literal; local addresses need a domain name");
        }
        return address;
    }

    public static List<MailAddress> addresses(List<String> texts, String role) {
        List<MailAddress> list = new ArrayList<>();
        for (String t : texts) {
            list.add(address(t, role));
        }
        return list;
    }

    /** A duration as in the configuration file: {@code 90s}, {@code 30m}, {@code 12h}, {@code 7d}, {@code 0}. */
    public static Duration duration(String text, String role) {
        try {
            return Values.parseDuration(text);
        } catch (IllegalArgumentException e) {
            throw CliException.usage("malformed " + role + " \"" + Table.clean(text) + "\": a duration like 90s, 30m, 12h or 7d expected");
        }
    }

    /** A domain name (RFC 5321 Domain: letters, digits, hyphens), lower-cased, without a trailing dot. */
    public static String domain(String text) {
        if (text.startsWith("[")) {
            throw CliException.usage("malformed domain \"" + Table.clean(text) + "\": an address literal is not a domain name");
        }
        try {
            MailAddress.checkDomainOrLiteral(text);
        } catch (IllegalArgumentException e) {
            throw CliException.usage("malformed domain \"" + Table.clean(text) + "\": letters, digits, hyphens and dots expected");
        }
        String d = text.toLowerCase(Locale.ROOT);
        return d.endsWith(".") ? d.substring(0, d.length() - 1) : d;
    }
}
