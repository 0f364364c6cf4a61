package io.mailserver.web;

import java.net.InetAddress;
import java.time.Clock;
import java.util.HashMap;
import java.util.Map;

/**
 * Requests per client address per minute, counted in fixed one-minute windows. Autoconfiguration is fetched a
 * few times when an account is set up, and health checks come from a few supervisors: a client far above the
 * limit is a scanner or a loop, and gets 429 instead of the server's time.
 */
final class RequestRate {
    private final int perMinute;
    private final Clock clock;
    private final Map<InetAddress, Integer> counts = new HashMap<>();
    private long window = -1;

    RequestRate(int perMinute, Clock clock) {
        this.perMinute = perMinute;
        this.clock = clock;
    }

    /** Counts a request; false when this address has already made {@code perMinute} in the current minute. */
    synchronized boolean allow(InetAddress address) {
        long now = clock.millis() / 60_000;
        if (now != window) {
            counts.clear(); // a new window forgets every address, so the map cannot grow past one minute's clients
            window = now;
        }
        int n = counts.merge(address, 1, Integer::sum);
        return n <= perMinute;
    }
}
