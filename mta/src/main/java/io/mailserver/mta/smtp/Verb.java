package io.mailserver.mta.smtp;

import static io.mailserver.mta.smtp.SmtpState.GREETED;

import java.util.EnumSet;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * The command table (in the spirit of Postfix's {@code smtpd_cmd_table}): every verb this server knows,
 * with its policy flags. A verb without a registered handler is answered 502 (RFC 5321 4.2.4).
 *
 * <ul>
 * <li>{@code states}: where the command is allowed; elsewhere it gets 503 (RFC 5321 4.1.4, 4.3.2).</li>
 * <li>{@code errorForStrangers}: using it from outside the trusted networks without AUTH counts as an
 *     error toward {@code limits.errors} (address harvesting with VRFY/EXPN).</li>
 * <li>{@code endsGroup}: RFC 2920 3.1, it can only be the last command of a pipelined group.</li>
 * <li>{@code requiresTls}: refused with 530 before TLS unless the configuration allows plain text (AUTH).</li>
 * <li>{@code requiresAuthOnSubmission}: on a submission listener, refused with 530 before AUTH (RFC 6409 4.3).</li>
 * </ul>
 */
public enum Verb {
    HELO(all(), false, true, false, false),
    EHLO(all(), false, true, false, false),
    MAIL(EnumSet.of(GREETED), false, false, false, true),
    RCPT(EnumSet.of(SmtpState.MAIL, SmtpState.RCPT), false, false, false, true),
    DATA(EnumSet.of(SmtpState.RCPT), false, true, false, true),
    RSET(all(), false, false, false, false),
    NOOP(all(), false, true, false, false),
    QUIT(all(), false, true, false, false),
    VRFY(all(), true, true, false, false),
    EXPN(all(), true, true, false, false),
    HELP(all(), false, false, false, false),
    /** RFC 3207; handled by the TLS layer when it is configured. */
    STARTTLS(all(), false, true, false, false),
    /** RFC 4954; handled by the TLS/AUTH layer when it is configured. */
    AUTH(EnumSet.of(GREETED), false, true, true, false),
    // Known but not offered: answered 502 5.5.1, not 500 (RFC 5321 4.2.4).
    BDAT(all(), false, true, false, true),
    ETRN(all(), false, true, false, false),
    TURN(all(), false, true, false, false),
    ATRN(all(), false, true, false, false),
    SEND(all(), false, false, false, false),
    SOML(all(), false, false, false, false),
    SAML(all(), false, false, false, false);

    private final Set<SmtpState> states;
    private final boolean errorForStrangers;
    private final boolean endsGroup;
    private final boolean requiresTls;
    private final boolean requiresAuthOnSubmission;

    Verb(Set<SmtpState> states, boolean errorForStrangers, boolean endsGroup, boolean requiresTls, boolean requiresAuthOnSubmission) {
        this.states = states;
        this.errorForStrangers = errorForStrangers;
        this.endsGroup = endsGroup;
        this.requiresTls = requiresTls;
        this.requiresAuthOnSubmission = requiresAuthOnSubmission;
    }

    private static Set<SmtpState> all() {
        return EnumSet.allOf(SmtpState.class);
    }

    /** Verbs are case-insensitive (RFC 5321 2.4). */
    public static Optional<Verb> lookup(String word) {
        String upper = word.toUpperCase(Locale.ROOT);
        for (Verb v : values()) {
            if (v.name().equals(upper)) {
                return Optional.of(v);
            }
        }
        return Optional.empty();
    }

    public boolean allowedIn(SmtpState state) {
        return states.contains(state);
    }

    public boolean errorForStrangers() {
        return errorForStrangers;
    }

    public boolean endsGroup() {
        return endsGroup;
    }

    public boolean requiresTls() {
        return requiresTls;
    }

    public boolean requiresAuthOnSubmission() {
        return requiresAuthOnSubmission;
    }

    /** The name used in the session summary log line, Postfix style ({@code ehlo=1 mail=1 ...}). */
    public String logName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
