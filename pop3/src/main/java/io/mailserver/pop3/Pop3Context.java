package io.mailserver.pop3;

import java.time.Clock;

import io.mailserver.session.LoginThrottle;
import io.mailserver.store.MaildropStore;
import io.mailserver.store.UserRepository;

/** What every session of one listener shares: settings, the store's two POP3 ports, the throttle, the lock keeper. */
public record Pop3Context(Pop3Settings settings, CommandTable commands, UserRepository users, MaildropStore maildrops,
                          LoginThrottle throttle, LeaseKeeper leases, Clock clock) {

    public static Pop3Context create(Pop3Settings settings, UserRepository users, MaildropStore maildrops, Clock clock) {
        return new Pop3Context(settings, CommandTable.standard(), users, maildrops,
                new LoginThrottle(settings.maxAuthFailuresPerAddress(), settings.authFailureWindow(), clock), new LeaseKeeper(), clock);
    }

    /** The same context counting failed logins in {@code shared} (e.g. the one SMTP AUTH uses too). */
    public Pop3Context withThrottle(LoginThrottle shared) {
        return new Pop3Context(settings, commands, users, maildrops, shared, leases, clock);
    }

    /** The same context with another command table (e.g. one that adds STLS). */
    public Pop3Context withCommands(CommandTable table) {
        return new Pop3Context(settings, table, users, maildrops, throttle, leases, clock);
    }
}
