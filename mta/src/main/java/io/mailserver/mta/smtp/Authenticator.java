package io.mailserver.mta.smtp;

import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Optional;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.mailserver.net.LoginThrottle;
import io.mailserver.net.Printable;
import io.mailserver.store.MailAddress;
import io.mailserver.store.StoreException;
import io.mailserver.store.User;
import io.mailserver.store.UserRepository;

/**
 * Checks a user name and password for SMTP AUTH. An unknown user, a wrong password and a disabled account
 * get the same {@code 535 5.7.8} in the same time (the repository compares in constant time, and a name that
 * is not even an address is checked against a fixed one). Each failure on a connection is answered more
 * slowly (1, 2, 4, 8 s by default), and once {@code limits.auth-failures} logins from one address (an IPv6 /64)
 * have failed within 15 minutes the address gets {@code 454 4.7.0} without a password check; the attempt is counted
 * before the check, so parallel connections get no more checks than that. Passwords are wiped after
 * use and never logged.
 */
public final class Authenticator {
    private static final Logger log = LoggerFactory.getLogger(Authenticator.class);
    private static final MailAddress NOBODY = new MailAddress("nobody", "invalid.invalid");

    private final UserRepository users;
    private final LoginThrottle throttle;
    private final Optional<String> defaultDomain;
    private final Duration firstDelay;
    private final Duration maxDelay;

    public Authenticator(UserRepository users, LoginThrottle throttle, Optional<String> defaultDomain, Duration firstDelay, Duration maxDelay) {
        this.users = users;
        this.throttle = throttle;
        this.defaultDomain = defaultDomain;
        this.firstDelay = firstDelay;
        this.maxDelay = maxDelay;
    }

    /** True when the client's address may not try now: refused before the client sends a password ({@link #login} decides). */
    boolean blocked(InetAddress address) {
        return throttle.isBlocked(address);
    }

    /**
     * Logs the session in as {@code authcid} when the password is right. {@code authzid} (SASL PLAIN's
     * authorization identity) may be empty or name the same user: nobody may act for someone else.
     * {@code password} is wiped before this returns.
     */
    Outcome login(SmtpProtocol protocol, String mechanism, String authcid, String authzid, char[] password) {
        SmtpSession session = protocol.session();
        try {
            // counted before the password check, so parallel connections cannot all slip under the limit
            Optional<LoginThrottle.Attempt> granted = throttle.tryAcquire(session.remoteAddress());
            if (granted.isEmpty()) {
                log.info("AUTH refused from {}: too many failed logins from that address", session.clientForLog());
                return Outcome.reply(Replies.AUTH_TOO_MANY_FAILURES);
            }
            try (LoginThrottle.Attempt attempt = granted.get()) { // counts as a failure unless refunded
                Optional<MailAddress> address = resolve(authcid);
                boolean authzOk = authzid == null || authzid.isEmpty()
                        || (address.isPresent() && resolve(authzid).map(MailAddress::key).equals(address.map(MailAddress::key)));
                Optional<User> user;
                try {
                    user = users.authenticate(address.orElse(NOBODY), password);
                } catch (StoreException e) {
                    attempt.refund(); // no password was checked
                    log.warn("AUTH unavailable, answered 454: {}", e.getMessage());
                    return Outcome.reply(Replies.AUTH_TEMPORARY_FAILURE);
                }
                if (user.isPresent() && address.isPresent() && authzOk) {
                    attempt.refund();
                    session.setAuthenticatedUser(user.get().address());
                    log.info("AUTH {} ok: user={} from {}", mechanism, user.get().address(), session.clientForLog());
                    return Outcome.reply(Replies.AUTH_OK);
                }
                int failures = session.addAuthFailure(); // closing the attempt counts it against the address
                log.info("AUTH {} failed: user={} from {} (failure {} on this connection)", mechanism, Printable.forLog(authcid),
                        session.clientForLog(), failures);
                return Outcome.reply(Replies.AUTH_FAILED).delayed(delayFor(failures));
            }
        } finally {
            Arrays.fill(password, '\0');
        }
    }

    /** The delay of the n-th failure on one connection: doubling from the first, capped. */
    Duration delayFor(int failure) {
        Duration d = firstDelay;
        for (int i = 1; i < failure && d.compareTo(maxDelay) < 0; i++) {
            d = d.multipliedBy(2);
        }
        return d.compareTo(maxDelay) > 0 ? maxDelay : d;
    }

    /** A full address, or a bare name in {@code server.default-domain} when one is set. */
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

    /**
     * UTF-8 to a char array without a String in between (a String cannot be wiped). Malformed bytes become
     * U+FFFD, which no password set through mailctl contains, so they simply fail.
     */
    static char[] utf8(byte[] bytes, int from, int to) {
        CharBuffer chars;
        try {
            chars = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPLACE)
                    .onUnmappableCharacter(CodingErrorAction.REPLACE).decode(ByteBuffer.wrap(bytes, from, to - from));
        } catch (CharacterCodingException e) {
            return new char[0]; // not with REPLACE
        }
        char[] out = Arrays.copyOfRange(chars.array(), chars.arrayOffset() + chars.position(), chars.arrayOffset() + chars.limit());
        Arrays.fill(chars.array(), '\0');
        return out;
    }
}
