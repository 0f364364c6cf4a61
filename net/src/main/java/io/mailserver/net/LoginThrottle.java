package io.mailserver.net;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Deque;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A brake on password guessing, per client: at most {@code limit} password checks that failed (or are still under
 * way) within {@code window} ({@code limits.auth-failures} within 15 minutes); past that, logins from the client are
 * refused without looking at the password until the oldest failure leaves the window.
 *
 * <p>The count is taken <em>before</em> the password is checked: {@link #tryAcquire} reserves a place, atomically,
 * and a login that turns out right gives it back ({@link Attempt#refund}). Checking first and counting after the
 * (slow) password check would let N parallel connections from one address all pass the check before any failure is
 * counted: N guesses instead of {@code limit}.
 *
 * <p>A client is its IPv4 address, or its IPv6 /64: one end site usually gets a whole /64 (RFC 6177) and can pick a
 * new address in it for every connection.
 *
 * <p>In memory only: it is a rate limit, not state worth keeping. Thread-safe; one instance serves every listener and
 * protocol, so guesses spread over SMTP and POP3 add up.
 */
public final class LoginThrottle {
    public static final Duration DEFAULT_WINDOW = Duration.ofMinutes(15);
    /** Past this many tracked clients, every 256th attempt also sweeps out the aged ones (no timer needed). */
    private static final int SWEEP_ABOVE = 4096;

    private final int limit;
    private final Duration window;
    private final Clock clock;
    /** Per client: when each counted attempt started, oldest first; never more than {@code limit} entries. */
    private final Map<InetAddress, Deque<Instant>> attempts = new ConcurrentHashMap<>();
    private final AtomicInteger acquired = new AtomicInteger();

    public LoginThrottle(int limit, Duration window, Clock clock) {
        if (limit < 1) {
            throw new IllegalArgumentException("limit must be at least 1");
        }
        this.limit = limit;
        this.window = window;
        this.clock = clock;
    }

    /** One password check counted against its client; the holder calls {@link #refund} if the login succeeds. */
    public final class Attempt {
        private final InetAddress client;
        private final Instant at;
        private boolean refunded;

        private Attempt(InetAddress client, Instant at) {
            this.client = client;
            this.at = at;
        }

        /**
         * The password was right, or was never checked (the store failed): the attempt does not count. Only a
         * failed login keeps its place until it ages out of the window.
         */
        public void refund() {
            if (refunded) {
                return;
            }
            refunded = true;
            attempts.computeIfPresent(client, (c, times) -> {
                times.removeLastOccurrence(at); // entries of one instant are interchangeable
                return times.isEmpty() ? null : times;
            });
        }
    }

    /**
     * Reserves one password check for {@code address}, or returns empty when its client has used up its attempts
     * for now. Check-and-count is one atomic step per client, so parallel connections cannot overrun the limit.
     */
    public Optional<Attempt> tryAcquire(InetAddress address) {
        InetAddress client = clientOf(address);
        Instant now = clock.instant();
        boolean[] granted = { false };
        attempts.compute(client, (c, old) -> {
            Deque<Instant> times = old == null ? new ArrayDeque<>() : old;
            prune(times, now);
            if (times.size() < limit) {
                times.addLast(now);
                granted[0] = true;
            }
            return times.isEmpty() ? null : times;
        });
        if (attempts.size() > SWEEP_ABOVE && (acquired.incrementAndGet() & 255) == 0) {
            sweep();
        }
        return granted[0] ? Optional.of(new Attempt(client, now)) : Optional.empty();
    }

    /**
     * True when {@code address}'s client has no attempt left right now. Only a hint (to refuse before asking for a
     * password, or to close a connection): {@link #tryAcquire} is what decides.
     */
    public boolean isBlocked(InetAddress address) {
        Instant now = clock.instant();
        boolean[] blocked = { false };
        attempts.computeIfPresent(clientOf(address), (c, times) -> {
            prune(times, now);
            blocked[0] = times.size() >= limit;
            return times.isEmpty() ? null : times;
        });
        return blocked[0];
    }

    /** Forgets clients whose attempts have all aged out; call it now and then. */
    public void sweep() {
        Instant now = clock.instant();
        for (InetAddress client : attempts.keySet()) {
            attempts.computeIfPresent(client, (c, times) -> {
                prune(times, now);
                return times.isEmpty() ? null : times;
            });
        }
    }

    int trackedClients() {
        return attempts.size();
    }

    /** The key an address is counted under: itself for IPv4, its /64 prefix for IPv6 (scope dropped). */
    static InetAddress clientOf(InetAddress address) {
        if (!(address instanceof Inet6Address)) {
            return address;
        }
        byte[] prefix = Arrays.copyOf(address.getAddress(), 16);
        Arrays.fill(prefix, 8, 16, (byte) 0);
        try {
            return InetAddress.getByAddress(prefix);
        } catch (UnknownHostException e) {
            throw new IllegalStateException("16 bytes are an IPv6 address", e);
        }
    }

    private void prune(Deque<Instant> times, Instant now) {
        Instant oldest = now.minus(window);
        while (!times.isEmpty() && !times.peekFirst().isAfter(oldest)) {
            times.removeFirst();
        }
    }
}
