package io.mailserver.pop3;

import java.time.Duration;
import java.util.Optional;

import io.mailserver.config.ConfigException;
import io.mailserver.config.ConfigKeys;
import io.mailserver.config.ServerConfig;

/**
 * What the POP3 core needs from the configuration, in one value. {@link #from(ServerConfig)} is the
 * production path and enforces the RFC minimums; the {@code with...} methods exist so tests can shorten
 * timers that production must keep long.
 *
 * @param hostname                     named in the greeting and the sign-off
 * @param defaultDomain                appended to a user name without {@code @} ({@code server.default-domain})
 * @param idleTimeout                  autologout timer ({@code pop3.timeout}; RFC 1939 section 3: at least 10 minutes)
 * @param lockTtl                      maildrop lock lifetime ({@code pop3.lock-ttl}); refreshed while the session lives
 * @param maxErrors                    client mistakes in one session before the connection is closed ({@code limits.errors})
 * @param maxAuthFailuresPerAddress    failed logins from one address within {@code authFailureWindow} before it is refused
 *                                     ({@code limits.auth-failures})
 * @param authFailureWindow            the window of that count
 * @param maxAuthFailuresPerConnection failed logins on one connection before it is closed
 * @param authFailureDelay             delay of the first failed-login reply on a connection; it doubles with each further failure
 * @param authFailureDelayMax          the longest such delay
 * @param errorDelay                   delay of each error reply past half of {@code maxErrors} (a brake on scripted abuse)
 */
public record Pop3Settings(String hostname, Optional<String> defaultDomain, Duration idleTimeout, Duration lockTtl,
                           int maxErrors, int maxAuthFailuresPerAddress, Duration authFailureWindow,
                           int maxAuthFailuresPerConnection, Duration authFailureDelay, Duration authFailureDelayMax,
                           Duration errorDelay) {

    /** RFC 1939 section 3: "the timer MUST be of at least 10 minutes' duration". */
    public static final Duration MIN_AUTOLOGOUT = Duration.ofMinutes(10);

    /** RFC 2449 section 4: command lines are at most 255 octets, CRLF included. */
    public static final int MAX_COMMAND_LINE = 255;

    /**
     * Lines of an AUTH exchange may be longer: a PLAIN response carries an identity and a password in
     * base64. RFC 5034 section 4 keeps the AUTH command itself under the 255-octet limit; we accept more
     * from lenient clients and from continuation lines.
     */
    public static final int MAX_AUTH_LINE = 4096;

    /** The value of the CAPA IMPLEMENTATION line (RFC 2449 section 6.9); no version, to give attackers less. */
    public static final String IMPLEMENTATION = "mailserver";

    public static Pop3Settings from(ServerConfig config) {
        Duration timeout = config.pop3Timeout();
        if (timeout.compareTo(MIN_AUTOLOGOUT) < 0) {
            throw new ConfigException("configuration: " + ConfigKeys.POP3_TIMEOUT + " = \"" + config.get(ConfigKeys.POP3_TIMEOUT)
                    + "\" is invalid: expected at least 10m (RFC 1939 section 3 autologout timer)");
        }
        Duration ttl = config.pop3LockTtl();
        if (ttl.compareTo(Duration.ofSeconds(30)) < 0) {
            throw new ConfigException("configuration: " + ConfigKeys.POP3_LOCK_TTL + " = \"" + config.get(ConfigKeys.POP3_LOCK_TTL)
                    + "\" is invalid: expected at least 30s");
        }
        return new Pop3Settings(config.hostname(), config.defaultDomain(), timeout, ttl,
                config.maxErrors(), config.maxAuthFailures(), Duration.ofMinutes(15),
                3, Duration.ofSeconds(1), Duration.ofSeconds(8), Duration.ofSeconds(1));
    }

    public Pop3Settings withIdleTimeout(Duration d) {
        return new Pop3Settings(hostname, defaultDomain, d, lockTtl, maxErrors, maxAuthFailuresPerAddress, authFailureWindow,
                maxAuthFailuresPerConnection, authFailureDelay, authFailureDelayMax, errorDelay);
    }

    public Pop3Settings withLockTtl(Duration d) {
        return new Pop3Settings(hostname, defaultDomain, idleTimeout, d, maxErrors, maxAuthFailuresPerAddress, authFailureWindow,
                maxAuthFailuresPerConnection, authFailureDelay, authFailureDelayMax, errorDelay);
    }

    public Pop3Settings withAuthFailureDelay(Duration first, Duration max) {
        return new Pop3Settings(hostname, defaultDomain, idleTimeout, lockTtl, maxErrors, maxAuthFailuresPerAddress, authFailureWindow,
                maxAuthFailuresPerConnection, first, max, errorDelay);
    }

    public Pop3Settings withErrorDelay(Duration d) {
        return new Pop3Settings(hostname, defaultDomain, idleTimeout, lockTtl, maxErrors, maxAuthFailuresPerAddress, authFailureWindow,
                maxAuthFailuresPerConnection, authFailureDelay, authFailureDelayMax, d);
    }
}
