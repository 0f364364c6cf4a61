package io.mailserver.mta.smtp;

/**
 * A pluggable check of MAIL FROM, run in order after the syntax and size checks; the first result that
 * is not {@link PolicyResult.Accept} decides. The outbound side adds its sender-domain DNS check here
 * (see {@code SmtpService}) without touching the protocol core. A check may block (DNS): it runs on a
 * handler thread, never on an I/O thread.
 */
@FunctionalInterface
public interface SenderCheck {
    PolicyResult check(SmtpSession session, ReversePath sender, MailParameters parameters);
}
