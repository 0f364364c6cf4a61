package io.mailserver.pop3;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;

import org.junit.jupiter.api.Test;

/** Failed logins on one connection are answered later and later (the per-address limit is net's LoginThrottle). */
class AuthFailureDelayTest {
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
