package io.mailserver.net;

import java.net.InetAddress;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A brake on password guessing, per client address: once {@code limit} logins from one address have failed within
 * {@code window} ({@code limits.auth-failures} within 15 minutes), further attempts from that address are refused
 * without looking at the password until the oldest failure leaves the window. In memory only: it is a rate
 * limit, not state worth keeping. Thread-safe; one instance can serve several listeners and protocols, so
 * guesses spread over SMTP and POP3 add up.
 */
public final class LoginThrottle {
    public static final Duration DEFAULT_WINDOW = Duration.ofMinutes(15);

    private final int limit;
    private final Duration window;
    private final Clock clock;
    private final Map<InetAddress, Deque<Instant>> failures = new ConcurrentHashMap<>();
    private final AtomicInteger recorded = new AtomicInteger();
    /** Past this many tracked addresses, every 256th failure also sweeps out the aged ones (no timer needed). */
    private static final int SWEEP_ABOVE = 4096;

    public LoginThrottle(int limit, Duration window, Clock clock) {
        if (limit < 1) {
            throw new IllegalArgumentException("limit must be at least 1");
        }
        this.limit = limit;
        this.window = window;
        this.clock = clock;
    }

    /** True when {@code address} has used up its failures for now. */
    public boolean isBlocked(InetAddress address) {
        Instant now = clock.instant();
        boolean[] blocked = { false };
        // compute* is atomic per key, so a failure recorded meanwhile is never lost to the pruning
        failures.computeIfPresent(address, (a, times) -> {
            prune(times, now);
            blocked[0] = times.size() >= limit;
            return times.isEmpty() ? null : times;
        });
        return blocked[0];
    }

    public void recordFailure(InetAddress address) {
        Instant now = clock.instant();
        failures.compute(address, (a, old) -> {
            Deque<Instant> times = old == null ? new ArrayDeque<>() : old;
            prune(times, now);
            times.addLast(now);
            while (times.size() > limit) { // only the newest `limit` failures matter: memory stays bounded
                times.removeFirst();
            }
            return times;
        });
        if (failures.size() > SWEEP_ABOVE && (recorded.incrementAndGet() & 255) == 0) {
            sweep();
        }
    }

    /** Forgets addresses whose failures have all aged out; call it now and then. */
    public void sweep() {
        Instant now = clock.instant();
        for (InetAddress address : failures.keySet()) {
            failures.computeIfPresent(address, (a, times) -> {
                prune(times, now);
                return times.isEmpty() ? null : times;
            });
        }
    }

    int trackedAddresses() {
        return failures.size();
    }

    private void prune(Deque<Instant> times, Instant now) {
        Instant oldest = now.minus(window);
        while (!times.isEmpty() && !times.peekFirst().isAfter(oldest)) {
            times.removeFirst();
        }
    }
}
