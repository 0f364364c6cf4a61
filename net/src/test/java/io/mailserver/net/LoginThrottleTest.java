package io.mailserver.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;

import org.junit.jupiter.api.Test;

class LoginThrottleTest {
    /** A clock the test moves by hand. */
    static final class HandClock extends Clock {
        Instant now = Instant.parse("2025-07-01T10:00:00Z");

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

    @Test
    void blocksAtTheLimitWithinTheWindowPerAddress() throws Exception {
        HandClock clock = new HandClock();
        LoginThrottle t = new LoginThrottle(3, Duration.ofMinutes(15), clock);
        InetAddress a = InetAddress.getByName("192.0.2.1");
        InetAddress b = InetAddress.getByName("2001:db8::1");
        t.recordFailure(a);
        t.recordFailure(a);
        assertFalse(t.isBlocked(a));
        clock.now = clock.now.plus(Duration.ofMinutes(10));
        t.recordFailure(a);
        assertTrue(t.isBlocked(a));
        assertFalse(t.isBlocked(b), "per address");
        clock.now = clock.now.plus(Duration.ofMinutes(6));
        assertFalse(t.isBlocked(a), "the first two failures left the window");
        t.recordFailure(a);
        t.recordFailure(a);
        assertTrue(t.isBlocked(a), "the third and two new ones");
        clock.now = clock.now.plus(Duration.ofMinutes(16));
        assertFalse(t.isBlocked(a));
        t.recordFailure(b);
        clock.now = clock.now.plus(Duration.ofMinutes(16));
        t.sweep();
        assertEquals(0, t.trackedAddresses());
    }

    @Test
    void memoryStaysBoundedUnderAFlood() throws Exception {
        HandClock clock = new HandClock();
        LoginThrottle t = new LoginThrottle(5, Duration.ofMinutes(15), clock);
        byte[] ip = { 10, 0, 0, 0 };
        for (int i = 0; i < 20_000; i++) {
            ip[2] = (byte) (i >> 8);
            ip[3] = (byte) i;
            t.recordFailure(InetAddress.getByAddress(ip.clone()));
            if (i == 9_999) {
                clock.now = clock.now.plus(Duration.ofMinutes(20)); // the first half ages out
            }
        }
        // sweeping happens along the way once many addresses are tracked
        assertTrue(t.trackedAddresses() <= 10_000 + 4096, "tracked " + t.trackedAddresses());
    }
}
