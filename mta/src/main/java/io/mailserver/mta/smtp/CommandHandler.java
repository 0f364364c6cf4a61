package io.mailserver.mta.smtp;

/**
 * Carries out one verb. Handlers are registered per verb in {@link SmtpContext}; the protocol has
 * already checked the state, TLS/AUTH requirements and line syntax. {@code argument} is what follows
 * the verb and its space, trailing spaces removed ("" when none).
 */
@FunctionalInterface
public interface CommandHandler {
    Outcome handle(SmtpProtocol protocol, String argument);
}
