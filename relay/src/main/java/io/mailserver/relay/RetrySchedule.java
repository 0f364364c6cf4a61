package io.mailserver.relay;

import io.mailserver.config.ServerConfig;
import java.time.Duration;
import java.time.Instant;

/**
 * When a deferred recipient is tried again: {@code initial} after the first failed attempt, doubling
 * each time up to {@code max} (5, 10, 20, 40, 60, 60... minutes by default), and never later than
 * the message's {@code lifetime}, when it is given up and bounced (Postfix: maximal_queue_lifetime).
 * The schedule lives in the queue rows (next attempt), so it survives restarts.
 */
public record RetrySchedule(Duration initial, Duration max, Duration lifetime, Duration delayWarning) {

    public static RetrySchedule from(ServerConfig config) {
        return new RetrySchedule(config.retryInitial(), config.retryMax(), config.queueLifetime(), config.delayWarning());
    }

    /** The wait after the n-th failed attempt (n >= 1). */
    public Duration backoff(int failedAttempts) {
        Duration d = initial;
        for (int i = 1; i < failedAttempts && d.compareTo(max) < 0; i++) {
            d = d.multipliedBy(2);
        }
        return d.compareTo(max) > 0 ? max : d;
    }

    public Instant expiresAt(Instant queuedAt) {
        return queuedAt.plus(lifetime);
    }

    public boolean expired(Instant queuedAt, Instant now) {
        return !now.isBefore(expiresAt(queuedAt));
    }

    /** The next attempt after the n-th failure; the last one falls on the expiry time itself. */
    public Instant nextAttempt(Instant queuedAt, int failedAttempts, Instant now) {
        Instant next = now.plus(backoff(failedAttempts));
        Instant expiry = expiresAt(queuedAt);
        return next.isAfter(expiry) ? expiry : next;
    }

    /** True once the message has waited past relay.delay-warning (0 = never) and is not yet given up. */
    public boolean delayNoticeDue(Instant queuedAt, Instant now) {
        return !delayWarning.isZero() && !now.isBefore(queuedAt.plus(delayWarning)) && !expired(queuedAt, now);
    }
}
