package io.mailserver.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

class LoginThrottleTest {
    /** A clock the test moves by hand. */
    static final class HandClock extends Clock {
        volatile Instant now = Instant.parse("2025-07-01T10:00:00Z");

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }

    /** A failed login: the attempt is granted, then closed without a refund. */
    private static boolean fail(LoginThrottle t, InetAddress a) {
        Optional<LoginThrottle.Attempt> attempt = t.tryAcquire(a);
        attempt.ifPresent(LoginThrottle.Attempt::close);
        return attempt.isPresent();
    }

    @Test
    void blocksAtTheLimitWithinTheWindowPerAddress() throws Exception {
        HandClock clock = new HandClock();
        LoginThrottle t = new LoginThrottle(3, Duration.ofMinutes(15), clock);
        InetAddress a = InetAddress.getByName("192.0.2.1");
        InetAddress b = InetAddress.getByName("192.0.2.2");
        assertTrue(fail(t, a));
        assertTrue(fail(t, a));
        assertFalse(t.isBlocked(a));
        clock.now = clock.now.plus(Duration.ofMinutes(10));
        assertTrue(fail(t, a));
        assertTrue(t.isBlocked(a));
        assertTrue(t.tryAcquire(a).isEmpty(), "the fourth check is refused");
        assertFalse(t.isBlocked(b), "per address");
        clock.now = clock.now.plus(Duration.ofMinutes(6));
        assertFalse(t.isBlocked(a), "the first two failures left the window");
        assertTrue(fail(t, a));
        assertTrue(fail(t, a));
        assertTrue(t.isBlocked(a), "the third and two new ones");
        clock.now = clock.now.plus(Duration.ofMinutes(16));
        assertFalse(t.isBlocked(a));
        assertTrue(fail(t, b));
        clock.now = clock.now.plus(Duration.ofMinutes(16));
        t.sweep();
        assertEquals(0, t.trackedClients());
    }

    @Test
    void aSuccessfulLoginGivesItsAttemptBack() throws Exception {
        LoginThrottle t = new LoginThrottle(2, Duration.ofMinutes(15), Duration.ofMillis(200), new HandClock());
        InetAddress a = InetAddress.getByName("192.0.2.1");
        for (int i = 0; i < 10; i++) {
            LoginThrottle.Attempt ok = t.tryAcquire(a).orElseThrow();
            ok.refund();
            ok.refund(); // twice changes nothing
        }
        assertTrue(fail(t, a));
        Optional<LoginThrottle.Attempt> inFlight = t.tryAcquire(a);
        assertTrue(inFlight.isPresent());
        assertTrue(t.tryAcquire(a).isEmpty(), "an attempt still being checked counts: the next one waits, then is refused");
        inFlight.get().refund();
        Optional<LoginThrottle.Attempt> last = t.tryAcquire(a);
        assertTrue(last.isPresent(), "until it turns out right");
        last.get().close();
        assertTrue(t.isBlocked(a));
    }

    /** Check and count are one step: parallel attempts from one address get exactly the limit. */
    @Test
    void parallelAttemptsNeverOverrunTheLimit() throws Exception {
        int threads = 20;
        for (int round = 0; round < 50; round++) {
            LoginThrottle t = new LoginThrottle(5, Duration.ofMinutes(15), Clock.systemUTC());
            InetAddress a = InetAddress.getByName("192.0.2.7");
            CyclicBarrier start = new CyclicBarrier(threads);
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            try {
                List<Future<Boolean>> results = new ArrayList<>();
                for (int i = 0; i < threads; i++) {
                    results.add(pool.submit(() -> {
                        start.await();
                        return fail(t, a);
                    }));
                }
                int granted = 0;
                for (Future<Boolean> r : results) {
                    granted += r.get() ? 1 : 0;
                }
                assertEquals(5, granted, "round " + round);
            } finally {
                pool.shutdownNow();
            }
        }
    }

    /**
     * Many parallel logins with the right password from one address (a webmail, an office behind NAT) all get in:
     * while the limit's worth of checks is in flight, the others wait for them instead of being refused.
     */
    @Test
    void parallelRightPasswordsFromOneAddressAllGetIn() throws Exception {
        int threads = 50;
        LoginThrottle t = new LoginThrottle(5, Duration.ofMinutes(15), Clock.systemUTC());
        InetAddress a = InetAddress.getByName("192.0.2.8");
        CyclicBarrier start = new CyclicBarrier(threads);
        AtomicInteger checking = new AtomicInteger();
        AtomicInteger mostAtOnce = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<Boolean>> results = new ArrayList<>();
            for (int i = 0; i < threads; i++) {
                results.add(pool.submit(() -> {
                    start.await();
                    Optional<LoginThrottle.Attempt> attempt = t.tryAcquire(a);
                    if (attempt.isEmpty()) {
                        return false;
                    }
                    mostAtOnce.accumulateAndGet(checking.incrementAndGet(), Math::max);
                    Thread.sleep(20); // the password check
                    checking.decrementAndGet();
                    attempt.get().refund();
                    return true;
                }));
            }
            for (Future<Boolean> r : results) {
                assertTrue(r.get(), "every right password gets in");
            }
            assertTrue(mostAtOnce.get() <= 5, "at most the limit checked at once: " + mostAtOnce.get());
            assertEquals(0, t.trackedClients(), "nothing kept after successful logins");
        } finally {
            pool.shutdownNow();
        }
    }

    /** One end site owns a /64 and can use a fresh address in it for every connection. */
    @Test
    void ipv6ClientsAreCountedByTheir64() throws Exception {
        LoginThrottle t = new LoginThrottle(3, Duration.ofMinutes(15), new HandClock());
        assertTrue(fail(t, InetAddress.getByName("2001:db8:1:2::1")));
        assertTrue(fail(t, InetAddress.getByName("2001:db8:1:2:aaaa:bbbb:cccc:dddd")));
        assertTrue(fail(t, InetAddress.getByName("2001:db8:1:2:ffff:ffff:ffff:ffff")));
        assertTrue(t.isBlocked(InetAddress.getByName("2001:db8:1:2::99")), "same /64");
        assertTrue(t.tryAcquire(InetAddress.getByName("2001:db8:1:2::1234")).isEmpty());
        assertFalse(t.isBlocked(InetAddress.getByName("2001:db8:1:3::1")), "the next /64");
        assertTrue(fail(t, InetAddress.getByName("2001:db8:1:3::1")));
        assertEquals(2, t.trackedClients());
        assertEquals(InetAddress.getByName("2001:db8:1:2::"), LoginThrottle.clientOf(InetAddress.getByName("2001:db8:1:2:5:6:7:8%1")));
        assertEquals(InetAddress.getByName("192.0.2.9"), LoginThrottle.clientOf(InetAddress.getByName("192.0.2.9")), "IPv4: the address");
    }

    @Test
    void memoryStaysBoundedUnderAFlood() throws Exception {
        HandClock clock = new HandClock();
        LoginThrottle t = new LoginThrottle(5, Duration.ofMinutes(15), clock);
        byte[] ip = { 10, 0, 0, 0 };
        for (int i = 0; i < 20_000; i++) {
            ip[2] = (byte) (i >> 8);
            ip[3] = (byte) i;
            fail(t, InetAddress.getByAddress(ip.clone()));
            if (i == 9_999) {
                clock.now = clock.now.plus(Duration.ofMinutes(20)); // the first half ages out
            }
        }
        // sweeping happens along the way once many addresses are tracked
        assertTrue(t.trackedClients() <= 10_000 + 4096, "tracked " + t.trackedClients());
    }
}
