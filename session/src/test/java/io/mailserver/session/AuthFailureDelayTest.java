package io.mailserver.session;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.Optional;

import org.junit.jupiter.api.Test;

/** Failed logins on one connection are answered later and later, in SMTP and POP3 alike (the per-address limit is LoginThrottle). */
class AuthFailureDelayTest {
    @Test
    void delaysDoubleUpToTheCap() {
        Login s = new Login(null, null, Optional.empty(), Duration.ofSeconds(1), Duration.ofSeconds(8));
        assertEquals(Duration.ofSeconds(1), s.delayFor(1));
        assertEquals(Duration.ofSeconds(2), s.delayFor(2));
        assertEquals(Duration.ofSeconds(4), s.delayFor(3));
        assertEquals(Duration.ofSeconds(8), s.delayFor(4));
        assertEquals(Duration.ofSeconds(8), s.delayFor(40));
    }
}
