package io.mailserver.mta.smtp;

import java.util.HashSet;
import java.util.Locale;
import java.util.OptionalLong;
import java.util.Set;

import io.mailserver.store.MailAddress;

/**
 * A strict parser for the arguments of MAIL and RCPT (RFC 5321 4.1.2):
 * <pre>
 *   "FROM:" Reverse-path [SP Mail-parameters]      Reverse-path = Path / "&lt;&gt;"
 *   "TO:" ( "&lt;Postmaster@" Domain "&gt;" / "&lt;Postmaster&gt;" / Forward-path ) [SP Rcpt-parameters]
 *   Path = "&lt;" [ A-d-l ":" ] Mailbox "&gt;"
 * </pre>
 * The mailbox is parsed by {@link MailAddress}: quoted local parts and address literals are allowed,
 * a quoted local part that needs no quoting is unquoted ({@code "alice"@x} is {@code alice@x}), and a
 * source route is accepted and ignored (RFC 5321 4.1.1.3 and appendix C). The only tolerance beyond
 * the grammar: spaces after the colon ({@code MAIL FROM: <a@b>}), which many clients send and
 * Postfix accepts; spaces inside the brackets are refused.
 */
public final class PathParser {
    /** RFC 5321 4.5.3.1.3: a path is at most 256 octets, brackets included. */
    static final int MAX_PATH = 256;

    private PathParser() {
    }

    /** MAIL's path and parameters. */
    public record MailArguments(ReversePath path, MailParameters parameters) {
    }

    /**
     * Parses the argument of MAIL (everything after {@code "MAIL "}).
     * @param esmtp whether the client said EHLO; parameters are only allowed then (RFC 5321 4.1.1.2)
     */
    public static MailArguments parseMail(String argument, boolean esmtp) throws SyntaxException {
        String rest = stripPrefix(argument, "FROM:", Replies.SYNTAX_MAIL);
        Split split = splitPath(rest, Replies.SYNTAX_MAIL);
        ReversePath path;
        if (split.inner.isEmpty()) {
            path = ReversePath.NULL;
        } else {
            try {
                path = new ReversePath(parseRoutedMailbox(split.inner));
            } catch (IllegalArgumentException e) {
                throw new SyntaxException(Replies.badSenderSyntax(e.getMessage()));
            }
        }
        return new MailArguments(path, mailParameters(split.parameters, esmtp));
    }

    /** Parses the argument of RCPT (everything after {@code "RCPT "}). No RCPT parameter is supported. */
    public static ForwardPath parseRcpt(String argument, boolean esmtp) throws SyntaxException {
        String rest = stripPrefix(argument, "TO:", Replies.SYNTAX_RCPT);
        Split split = splitPath(rest, Replies.SYNTAX_RCPT);
        ForwardPath path;
        if (split.inner.equalsIgnoreCase("postmaster")) {
            // RFC 5321 4.1.1.3: "<Postmaster>" without a domain must be accepted
            path = ForwardPath.BARE_POSTMASTER;
        } else if (split.inner.isEmpty()) {
            throw new SyntaxException(Replies.badRecipientSyntax("empty address"));
        } else {
            try {
                path = new ForwardPath(parseRoutedMailbox(split.inner));
            } catch (IllegalArgumentException e) {
                throw new SyntaxException(Replies.badRecipientSyntax(e.getMessage()));
            }
        }
        if (!split.parameters.isEmpty()) {
            String first = split.parameters.split(" +")[0];
            int eq = first.indexOf('=');
            throw new SyntaxException(esmtp
                    ? Replies.unsupportedParameter(eq < 0 ? first : first.substring(0, eq))
                    : Replies.unsupportedParameter("(parameters need EHLO)"));
        }
        return path;
    }

    /**
     * Parses a bare mailbox ({@code local@domain}, no brackets), unquoting a quoted local part that
     * needs no quotes (RFC 5321 4.1.2: such forms are equivalent). For VRFY/EXPN and configuration.
     * @throws IllegalArgumentException with the reason
     */
    public static MailAddress parseMailbox(String text) {
        MailAddress address = MailAddress.parse(text);
        String local = address.localPart();
        if (local.startsWith("\"")) {
            String unquoted = unquote(local);
            if (isDotString(unquoted)) {
                return new MailAddress(unquoted, address.domain());
            }
        }
        return address;
    }

    private static MailAddress parseRoutedMailbox(String inner) {
        String mailbox = inner;
        if (inner.startsWith("@")) {
            // A-d-l = At-domain *( "," At-domain ); At-domain = "@" Domain. Checked, then ignored (RFC 5321 appendix C).
            int colon = inner.indexOf(':');
            if (colon < 0) {
                throw new IllegalArgumentException("source route without ':'");
            }
            for (String hop : inner.substring(0, colon).split(",", -1)) {
                if (!hop.startsWith("@") || hop.length() < 2 || hop.startsWith("@[")) {
                    throw new IllegalArgumentException("bad source route");
                }
                MailAddress.checkDomainOrLiteral(hop.substring(1));
            }
            mailbox = inner.substring(colon + 1);
        }
        return parseMailbox(mailbox);
    }

    private record Split(String inner, String parameters) {
    }

    /** Finds the bracketed path (a quoted local part may contain '>') and what follows it. */
    private static Split splitPath(String text, SmtpReply usage) throws SyntaxException {
        if (text.isEmpty() || text.charAt(0) != '<') {
            throw new SyntaxException(usage);
        }
        int close = -1;
        boolean quoted = false;
        for (int i = 1; i < text.length(); i++) {
            char c = text.charAt(i);
            if (quoted) {
                if (c == '\\') {
                    i++;
                } else if (c == '"') {
                    quoted = false;
                }
            } else if (c == '"') {
                quoted = true;
            } else if (c == '>') {
                close = i;
                break;
            }
        }
        if (close < 0) {
            throw new SyntaxException(usage);
        }
        if (close + 1 > MAX_PATH) {
            throw new SyntaxException(usage == Replies.SYNTAX_MAIL
                    ? Replies.badSenderSyntax("path longer than 256 octets")
                    : Replies.badRecipientSyntax("path longer than 256 octets"));
        }
        String after = text.substring(close + 1);
        if (!after.isEmpty() && after.charAt(0) != ' ') {
            throw new SyntaxException(usage);
        }
        return new Split(text.substring(1, close), after.strip());
    }

    private static String stripPrefix(String argument, String prefix, SmtpReply usage) throws SyntaxException {
        if (argument.length() < prefix.length() || !argument.regionMatches(true, 0, prefix, 0, prefix.length())) {
            throw new SyntaxException(usage);
        }
        int i = prefix.length();
        while (i < argument.length() && argument.charAt(i) == ' ') {
            i++;
        }
        return argument.substring(i);
    }

    /** RFC 5321 4.1.2 esmtp-param = esmtp-keyword ["=" esmtp-value]; RFC 1870 SIZE, RFC 6152 BODY, RFC 4954 AUTH. */
    private static MailParameters mailParameters(String text, boolean esmtp) throws SyntaxException {
        if (text.isEmpty()) {
            return MailParameters.NONE;
        }
        if (!esmtp) {
            throw new SyntaxException(Replies.unsupportedParameter("(parameters need EHLO)"));
        }
        OptionalLong size = OptionalLong.empty();
        MailParameters.BodyType body = MailParameters.BodyType.SEVEN_BIT;
        Set<String> seen = new HashSet<>();
        for (String param : text.split(" +")) {
            int eq = param.indexOf('=');
            String keyword = (eq < 0 ? param : param.substring(0, eq)).toUpperCase(Locale.ROOT);
            String value = eq < 0 ? null : param.substring(eq + 1);
            if (!keyword.matches("[A-Z0-9][A-Z0-9-]*")) {
                throw new SyntaxException(Replies.badParameter("bad keyword"));
            }
            if (value != null && (value.isEmpty() || !isEsmtpValue(value))) {
                throw new SyntaxException(Replies.badParameter("bad value for " + keyword));
            }
            if (!seen.add(keyword)) {
                throw new SyntaxException(Replies.badParameter(keyword + " given twice"));
            }
            switch (keyword) {
                case "SIZE" -> {
                    // RFC 1870: size-value = 1*20DIGIT; a value too large for a long is over any limit anyway
                    if (value == null || !value.matches("[0-9]{1,20}")) {
                        throw new SyntaxException(Replies.badParameter("SIZE needs a number"));
                    }
                    size = OptionalLong.of(value.length() > 18 ? Long.MAX_VALUE : Long.parseLong(value));
                }
                case "BODY" -> {
                    if (value == null) {
                        throw new SyntaxException(Replies.badParameter("BODY needs 7BIT or 8BITMIME"));
                    }
                    body = switch (value.toUpperCase(Locale.ROOT)) {
                        case "7BIT" -> MailParameters.BodyType.SEVEN_BIT;
                        case "8BITMIME" -> MailParameters.BodyType.EIGHT_BIT_MIME;
                        default -> throw new SyntaxException(Replies.unsupportedParameter("BODY=" + value));
                    };
                }
                case "AUTH" -> {
                    // RFC 4954 5: accepted, and treated as AUTH=<> (the identity is not passed on by this server)
                    if (value == null || !isXtext(value)) {
                        throw new SyntaxException(Replies.badParameter("AUTH needs a mailbox or <>"));
                    }
                }
                default -> throw new SyntaxException(Replies.unsupportedParameter(keyword));
            }
        }
        return new MailParameters(size, body);
    }

    /** RFC 4954 5 / RFC 3461 4: AUTH=&lt;&gt; or xtext, where "+" must start a hexchar ("+" 2 upper-case hex digits). */
    private static boolean isXtext(String value) {
        if (value.equals("<>")) {
            return true;
        }
        for (int i = 0; i < value.length(); i++) {
            if (value.charAt(i) == '+') {
                if (i + 2 >= value.length() || !isUpperHex(value.charAt(i + 1)) || !isUpperHex(value.charAt(i + 2))) {
                    return false;
                }
                i += 2;
            }
        }
        return true; // every other character was already checked by isEsmtpValue (33-126, no "=")
    }

    private static boolean isUpperHex(char c) {
        return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F');
    }

    private static boolean isEsmtpValue(String value) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c < 33 || c > 126 || c == '=') {
                return false;
            }
        }
        return true;
    }

    private static String unquote(String quoted) {
        StringBuilder sb = new StringBuilder(quoted.length());
        for (int i = 1; i < quoted.length() - 1; i++) {
            char c = quoted.charAt(i);
            if (c == '\\' && i + 1 < quoted.length() - 1) {
                c = quoted.charAt(++i);
            }
            sb.append(c);
        }
        return sb.toString();
    }

    /** RFC 5321 Dot-string = Atom *("." Atom). */
    static boolean isDotString(String s) {
        if (s.isEmpty() || s.startsWith(".") || s.endsWith(".") || s.contains("..")) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c != '.' && !MailAddress.isAtext(c)) {
                return false;
            }
        }
        return true;
    }
}
