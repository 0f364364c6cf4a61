package io.mailserver.pop3;

import java.net.InetAddress;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Failed logins per client address within a sliding window ({@code limits.auth-failures} within 15
 * minutes by default). At the limit, further attempts from that address are refused without checking
 * the password, even right ones, until old failures leave the window. Shared by all sessions of a
 * listener; kept in memory (a guess-rate brake, not durable state).
 */
public final class AuthThrottle {
    private final int limit;
    private final Duration window;
    private final Clock clock;
    private final Map<InetAddress, Deque<Instant>> failures = new ConcurrentHashMap<>();

    public AuthThrottle(int limit, Duration window, Clock clock) {
        this.limit = limit;
        this.window = window;
        this.clock = clock;
    }

    public boolean isBlocked(InetAddress address) {
        Instant now = clock.instant();
        // compute* runs atomically per key, so a concurrent failure is never lost to pruning
        boolean[] blocked = {false};
        failures.computeIfPresent(address, (a, q) -> {
            prune(q, now);
            blocked[0] = q.size() >= limit;
            return q.isEmpty() ? null : q;
        });
        return blocked[0];
    }

    public void recordFailure(InetAddress address) {
        Instant now = clock.instant();
        failures.compute(address, (a, old) -> {
            Deque<Instant> q = old == null ? new ArrayDeque<>() : old;
            prune(q, now);
            q.addLast(now);
            // bound memory: only the newest `limit` failures matter
            while (q.size() > limit) {
                q.removeFirst();
            }
            return q;
        });
    }

    /** Forgets addresses whose failures have all left the window; run now and then. */
    public void sweep() {
        Instant now = clock.instant();
        for (InetAddress address : failures.keySet()) {
            failures.computeIfPresent(address, (a, q) -> {
                prune(q, now);
                return q.isEmpty() ? null : q;
            });
        }
    }

    int trackedAddresses() {
        return failures.size();
    }

    private void prune(Deque<Instant> q, Instant now) {
        Instant oldest = now.minus(window);
        while (!q.isEmpty() && !q.peekFirst().isAfter(oldest)) {
            q.removeFirst();
        }
    }
}
