package io.mailserver.mta.smtp;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import io.mailserver.session.Login;
import io.mailserver.session.LoginThrottle;

/**
 * Plugs STARTTLS (RFC 3207), AUTH (RFC 4954) and the submission sender rule (RFC 6409) into an
 * {@link SmtpContext}. (The sender rule itself is a check: {@link io.mailserver.mta.smtp.check.SenderOwnershipCheck}.) EHLO offers STARTTLS only before TLS, and AUTH only once TLS is up, or before it where the
 * listener's {@code smtp.plaintext-auth} / {@code submission.plaintext-auth} allows the client
 * ({@link SmtpSettings#authAllowed}); where it is not offered, AUTH is refused with 530 whatever the client tries. Authenticated users may relay (see
 * {@link io.mailserver.mta.smtp.check.RelayCheck}).
 */
public final class SmtpSecurity {
    /** Failed-login delays on one connection: the first, doubling up to the last. */
    public static final Duration FIRST_FAILURE_DELAY = Duration.ofSeconds(1);
    public static final Duration MAX_FAILURE_DELAY = Duration.ofSeconds(8);

    private SmtpSecurity() {
    }

    /**
     * @param tlsAvailable whether the adapter can start TLS (a certificate is loaded); without it STARTTLS is not
     *                     offered and answered 502
     * @param throttle     the failed-login counter per client address, shared with the other listeners
     */
    public static void install(SmtpContext context, boolean tlsAvailable, LoginThrottle throttle, Duration firstDelay, Duration maxDelay) {
        SmtpSettings settings = context.settings();
        Login login = new Login(context.store().users(), throttle, settings.defaultDomain(), firstDelay, maxDelay);
        context.register(Verb.AUTH, new AuthCommand(login));
        if (tlsAvailable) {
            context.register(Verb.STARTTLS, new StartTlsCommand());
        }
        context.addEhloKeywords(session -> {
            List<String> keywords = new ArrayList<>(2);
            if (tlsAvailable && !session.tlsActive() && session.authenticatedUser() == null) {
                keywords.add("STARTTLS");
            }
            if (settings.authAllowed(session)) {
                keywords.add("AUTH " + AuthCommand.MECHANISMS);
            }
            return keywords;
        });
    }

    public static void install(SmtpContext context, boolean tlsAvailable, LoginThrottle throttle) {
        install(context, tlsAvailable, throttle, FIRST_FAILURE_DELAY, MAX_FAILURE_DELAY);
    }
}
