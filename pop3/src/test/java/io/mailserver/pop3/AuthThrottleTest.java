package io.mailserver.pop3;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.time.Duration;

import org.junit.jupiter.api.Test;

class AuthThrottleTest {
    @Test
    void blocksAtTheLimitWithinTheWindowAndForgetsAfterIt() throws Exception {
        MutableClock clock = new MutableClock();
        AuthThrottle t = new AuthThrottle(3, Duration.ofMinutes(15), clock);
        InetAddress a = InetAddress.getByName("192.0.2.1");
        InetAddress b = InetAddress.getByName("192.0.2.2");
        t.recordFailure(a);
        t.recordFailure(a);
        assertFalse(t.isBlocked(a));
        clock.advance(Duration.ofMinutes(10));
        t.recordFailure(a);
        assertTrue(t.isBlocked(a));
        assertFalse(t.isBlocked(b), "per address");
        clock.advance(Duration.ofMinutes(6));
        assertFalse(t.isBlocked(a), "the first two left the window");
        clock.advance(Duration.ofMinutes(15));
        t.sweep();
        assertEquals(0, t.trackedAddresses());
    }

    @Test
    void delaysDoubleUpToTheCap() {
        Pop3Settings s = TestSettings.core().withAuthFailureDelay(Duration.ofSeconds(1), Duration.ofSeconds(8));
        assertEquals(Duration.ofSeconds(1), s.authFailureDelayFor(1));
        assertEquals(Duration.ofSeconds(2), s.authFailureDelayFor(2));
        assertEquals(Duration.ofSeconds(4), s.authFailureDelayFor(3));
        assertEquals(Duration.ofSeconds(8), s.authFailureDelayFor(4));
        assertEquals(Duration.ofSeconds(8), s.authFailureDelayFor(40));
    }
}
