package io.mailserver.web;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

class RequestRateTest {
    private Instant now = Instant.parse("2026-12-03T10:00:00Z");
    private final Clock clock = new Clock() {
        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    };

    @Test
    void eachAddressHasItsOwnBudgetPerMinute() throws Exception {
        RequestRate rate = new RequestRate(3, clock);
        InetAddress a = InetAddress.getByName("192.0.2.1");
        InetAddress b = InetAddress.getByName("192.0.2.2");
        for (int i = 0; i < 3; i++) {
            assertTrue(rate.allow(a));
        }
        assertFalse(rate.allow(a), "the fourth request in the minute");
        assertTrue(rate.allow(b), "another address is not charged for the first one's requests");
        now = now.plusSeconds(60);
        assertTrue(rate.allow(a), "a new minute");
    }
}
