package io.mailserver.session;

import java.net.InetAddress;
import java.time.Duration;
import java.util.Arrays;
import java.util.Optional;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.mailserver.store.MailAddress;
import io.mailserver.store.MailMetrics;
import io.mailserver.store.StoreException;
import io.mailserver.store.User;
import io.mailserver.store.UserRepository;

/**
 * The one password check of SMTP AUTH and POP3 (USER/PASS and AUTH PLAIN). An unknown user, a wrong password, an
 * empty password and a disabled account fail alike, in the same time (the repository compares in constant time,
 * and a name that is not even an address is checked against a fixed one). Each failure on a connection is answered
 * later (doubling from the first delay up to the last), and once {@code limits.auth-failures} logins from one
 * address (an IPv6 /64) have failed within the {@link LoginThrottle}'s window, the address is refused without a
 * password check; the attempt is counted before the check, so parallel connections get no more checks than that.
 * Passwords are wiped before {@link Client#attempt} returns and never logged; user names are logged through
 * {@link Printable}.
 */
public final class Login {
    private static final Logger log = LoggerFactory.getLogger(Login.class);
    /** Checked against when a name cannot be an address, so every failure costs the same time. */
    private static final MailAddress NOBODY = new MailAddress("nobody", "invalid.invalid");

    /** What one attempt came to. */
    public enum Outcome {
        /** Logged in as {@link Result#user()}. */
        SUCCESS,
        /** Wrong name or password; {@link Result#delay()} says how long to hold the answer back. */
        FAILED,
        /** Too many failed logins from this address: refused without a password check. */
        THROTTLED,
        /** The store could not check the password: try again later. */
        UNAVAILABLE
    }

    /** {@code user} only on success; {@code failures} on this connection so far; {@code delay} only on failure. */
    public record Result(Outcome outcome, User user, int failures, Duration delay) {
    }

    private final UserRepository users;
    private final LoginThrottle throttle;
    private final Optional<String> defaultDomain;
    private final Duration firstDelay;
    private final Duration maxDelay;

    /**
     * @param defaultDomain where a bare user name (no {@code @}) belongs ({@code server.default-domain}); empty: bare
     *                      names fail
     */
    public Login(UserRepository users, LoginThrottle throttle, Optional<String> defaultDomain, Duration firstDelay, Duration maxDelay) {
        this.users = users;
        this.throttle = throttle;
        this.defaultDomain = defaultDomain;
        this.firstDelay = firstDelay;
        this.maxDelay = maxDelay;
    }

    /** The logins of one connection from {@code address}. */
    public Client client(InetAddress address) {
        return new Client(address);
    }

    /** The delay of the n-th failure on one connection: doubling from the first, capped. */
    public Duration delayFor(int failure) {
        Duration d = firstDelay;
        for (int i = 1; i < failure && d.compareTo(maxDelay) < 0; i++) {
            d = d.multipliedBy(2);
        }
        return d.compareTo(maxDelay) > 0 ? maxDelay : d;
    }

    /** The logins of one connection, which counts its own failures for the delays. Not thread-safe, like a session. */
    public final class Client {
        private final InetAddress address;
        private int failures;

        private Client(InetAddress address) {
            this.address = address;
        }

        /** True when the address may not try now; a protocol asks before the client sends a password. */
        public boolean blocked() {
            return throttle.isBlocked(address);
        }

        public int failures() {
            return failures;
        }

        /**
         * Checks {@code password} for {@code authcid}, a full address or a bare name in the default domain.
         * {@code authzid} (SASL's authorization identity) may be empty or name the same user: nobody may act for
         * someone else. {@code password} is wiped before this returns.
         *
         * @param what         names the attempt in its log lines, e.g. {@code AUTH PLAIN} or {@code pop3 login}
         * @param clientForLog how the protocol names the client in its log lines
         */
        public Result attempt(String what, String clientForLog, String authcid, String authzid, char[] password) {
            Result result = check(what, clientForLog, authcid, authzid, password);
            MailMetrics.login(what.startsWith("pop3") ? "pop3" : "smtp", result.outcome().name().toLowerCase(java.util.Locale.ROOT));
            return result;
        }

        private Result check(String what, String clientForLog, String authcid, String authzid, char[] password) {
            try {
                // counted before the password check, so parallel connections cannot all slip under the limit
                Optional<LoginThrottle.Attempt> granted = throttle.tryAcquire(address);
                if (granted.isEmpty()) {
                    log.info("{} refused from {}: too many failed logins from that address", what, clientForLog);
                    return new Result(Outcome.THROTTLED, null, failures, Duration.ZERO);
                }
                Optional<User> user;
                try (LoginThrottle.Attempt attempt = granted.get()) { // counts as a failure unless refunded
                    Optional<MailAddress> name = resolve(authcid);
                    boolean authzOk = authzid == null || authzid.isEmpty()
                            || (name.isPresent() && resolve(authzid).map(MailAddress::key).equals(name.map(MailAddress::key)));
                    try {
                        user = users.authenticate(name.orElse(NOBODY), password);
                    } catch (StoreException e) {
                        attempt.refund(); // no password was checked
                        log.warn("{} unavailable: {}", what, e.getMessage());
                        return new Result(Outcome.UNAVAILABLE, null, failures, Duration.ZERO);
                    }
                    // RFC 4616 2 (passwd = 1*SAFE): an empty password is never right, whatever a store holds
                    boolean ok = user.isPresent() && user.get().enabled() && name.isPresent() && authzOk && password.length > 0;
                    if (ok) {
                        attempt.refund();
                        return new Result(Outcome.SUCCESS, user.get(), failures, Duration.ZERO);
                    }
                } // the failed attempt is counted against the address here, before the caller asks blocked()
                failures++;
                log.info("{} failed: user={} from {} (failure {} on this connection)", what, Printable.forLog(authcid), clientForLog, failures);
                return new Result(Outcome.FAILED, null, failures, delayFor(failures));
            } finally {
                Arrays.fill(password, '\0');
            }
        }
    }

    /** A full address, or a bare name in the default domain when one is set. */
    private Optional<MailAddress> resolve(String name) {
        if (name == null || name.isEmpty()) {
            return Optional.empty();
        }
        String full = name;
        if (name.indexOf('@') < 0) {
            if (defaultDomain.isEmpty()) {
                return Optional.empty();
            }
            full = name + "@" + defaultDomain.get();
        }
        try {
            return Optional.of(MailAddress.parse(full));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }
}
