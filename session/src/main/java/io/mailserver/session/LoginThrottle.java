package io.mailserver.session;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Deque;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * A brake on password guessing, per client: at most {@code limit} failed password checks within {@code window}
 * ({@code limits.auth-failures} within 15 minutes); past that, logins from the client are refused without looking at
 * the password until the oldest failure leaves the window.
 *
 * <p>Checks still under way count too: {@link #tryAcquire} grants a check only while the client's failures plus its
 * checks in flight stay under the limit, in one atomic step. Checking first and counting after the (slow) password
 * check would let N parallel connections from one address all pass before any failure is counted: N guesses
 * instead of {@code limit}. A client whose in-flight checks fill the limit waits (bounded by {@code maxWait}) for one
 * of them to end rather than being refused, so many parallel logins with the right password from one address
 * (a webmail, an office behind NAT) all get in, at most {@code limit} checked at a time.
 *
 * <p>A client is its IPv4 address, or its IPv6 /64: one end site usually gets a whole /64 (RFC 6177) and can pick a
 * new address in it for every connection.
 *
 * <p>In memory only: it is a rate limit, not state worth keeping. Thread-safe; one instance serves every listener and
 * protocol, so guesses spread over SMTP and POP3 add up.
 */
public final class LoginThrottle {
    public static final Duration DEFAULT_WINDOW = Duration.ofMinutes(15);
    /** How long a login waits for the client's other checks in flight before it is refused like a blocked one. */
    public static final Duration DEFAULT_MAX_WAIT = Duration.ofSeconds(30);
    /** Past this many tracked clients, every 256th attempt also sweeps out the aged ones (no timer needed). */
    private static final int SWEEP_ABOVE = 4096;

    private final int limit;
    private final Duration window;
    private final Duration maxWait;
    private final Clock clock;
    /** Per client; guarded by {@code this}, which is also the monitor waiting logins sleep on. */
    private final Map<InetAddress, Client> clients = new HashMap<>();
    private int acquired;

    private static final class Client {
        /** When each failed check started, oldest first; never more than {@code limit} entries. */
        final Deque<Instant> failures = new ArrayDeque<>();
        int inFlight;

        boolean idle() {
            return failures.isEmpty() && inFlight == 0;
        }
    }

    public LoginThrottle(int limit, Duration window, Clock clock) {
        this(limit, window, DEFAULT_MAX_WAIT, clock);
    }

    public LoginThrottle(int limit, Duration window, Duration maxWait, Clock clock) {
        if (limit < 1) {
            throw new IllegalArgumentException("limit must be at least 1");
        }
        this.limit = limit;
        this.window = window;
        this.maxWait = maxWait;
        this.clock = clock;
    }

    /**
     * One password check granted to its client. Closing it counts a failure unless {@link #refund} came first: hold it
     * in try-with-resources, and call {@code refund()} when the login succeeded or no password was checked.
     */
    public final class Attempt implements AutoCloseable {
        private final InetAddress client;
        private final Instant at;
        private boolean ended;

        private Attempt(InetAddress client, Instant at) {
            this.client = client;
            this.at = at;
        }

        /** The password was right, or was never checked (the store failed): the attempt does not count. */
        public void refund() {
            end(false);
        }

        /** Counts the attempt as a failed login, unless it was refunded. */
        @Override
        public void close() {
            end(true);
        }

        private void end(boolean failed) {
            synchronized (LoginThrottle.this) {
                if (ended) {
                    return;
                }
                ended = true;
                Client c = clients.get(client);
                c.inFlight--;
                if (failed) {
                    c.failures.addLast(at);
                }
                if (c.idle()) {
                    clients.remove(client);
                }
                LoginThrottle.this.notifyAll();
            }
        }
    }

    /**
     * Grants one password check to {@code address}'s client, or returns empty when the client has used up its
     * failures for now (or its checks in flight did not end within {@code maxWait}). Parallel connections cannot
     * overrun the limit.
     */
    public Optional<Attempt> tryAcquire(InetAddress address) {
        InetAddress key = clientOf(address);
        long deadline = System.nanoTime() + maxWait.toNanos();
        synchronized (this) {
            if (clients.size() > SWEEP_ABOVE && (++acquired & 255) == 0) {
                sweep();
            }
            Client c = clients.computeIfAbsent(key, k -> new Client());
            while (true) {
                Instant now = clock.instant();
                prune(c.failures, now);
                if (c.failures.size() >= limit) {
                    dropIfIdle(key, c);
                    return Optional.empty();
                }
                if (c.failures.size() + c.inFlight < limit) {
                    c.inFlight++;
                    return Optional.of(new Attempt(key, now));
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    dropIfIdle(key, c);
                    return Optional.empty();
                }
                try {
                    TimeUnit.NANOSECONDS.timedWait(this, left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    dropIfIdle(key, c);
                    return Optional.empty();
                }
                c = clients.computeIfAbsent(key, k -> new Client()); // an ended check may have dropped the entry
            }
        }
    }

    /**
     * True when {@code address}'s client has no failure left right now. Only a hint (to refuse before asking for a
     * password, or to close a connection): {@link #tryAcquire} is what decides.
     */
    public synchronized boolean isBlocked(InetAddress address) {
        InetAddress key = clientOf(address);
        Client c = clients.get(key);
        if (c == null) {
            return false;
        }
        prune(c.failures, clock.instant());
        boolean blocked = c.failures.size() >= limit;
        dropIfIdle(key, c);
        return blocked;
    }

    /** Forgets clients whose failures have all aged out; call it now and then. */
    public synchronized void sweep() {
        Instant now = clock.instant();
        clients.values().removeIf(c -> {
            prune(c.failures, now);
            return c.idle();
        });
    }

    synchronized int trackedClients() {
        return clients.size();
    }

    private void dropIfIdle(InetAddress key, Client c) {
        if (c.idle()) {
            clients.remove(key);
        }
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
