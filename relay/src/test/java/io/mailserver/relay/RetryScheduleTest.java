package io.mailserver.relay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mailserver.config.ServerConfig;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class RetryScheduleTest {
    private final RetrySchedule defaults = RetrySchedule.from(ServerConfig.defaults());
    private final Instant t0 = Instant.parse("2025-01-01T00:00:00Z");

    @Test
    void defaultBackoffIs5_10_20_40ThenAnHour() {
        assertEquals(List.of(5L, 10L, 20L, 40L, 60L, 60L, 60L),
                IntStream.rangeClosed(1, 7).mapToObj(n -> defaults.backoff(n).toMinutes()).toList());
        assertEquals(60L, defaults.backoff(1000).toMinutes(), "no overflow after many attempts");
    }

    @Test
    void lastAttemptFallsOnTheExpiry() {
        Instant late = t0.plus(Duration.ofDays(5)).minus(Duration.ofMinutes(10));
        assertEquals(t0.plus(Duration.ofDays(5)), defaults.nextAttempt(t0, 9, late));
        assertFalse(defaults.expired(t0, late));
        assertTrue(defaults.expired(t0, t0.plus(Duration.ofDays(5))));
    }

    @Test
    void delayNoticeAfterTheConfiguredTimeUnlessOff() {
        assertFalse(defaults.delayNoticeDue(t0, t0.plus(Duration.ofHours(3))));
        assertTrue(defaults.delayNoticeDue(t0, t0.plus(Duration.ofHours(4))));
        RetrySchedule off = RetrySchedule.from(ServerConfig.defaults().with(java.util.Map.of("relay.delay-warning", "0")));
        assertFalse(off.delayNoticeDue(t0, t0.plus(Duration.ofDays(1))));
    }

    @Test
    void logLineHasWhatAPostmasterGrepsFor() {
        assertEquals("4HX2K9AB3C7Q: id=17, to=<bob@remote.test>, relay=mx.remote.test[192.0.2.1]:25, delay=3.2, attempt=1, dsn=2.0.0, status=sent (250 2.0.0 Ok)",
                DeliveryLog.line("4HX2K9AB3C7Q", 17, "bob@remote.test", "mx.remote.test[192.0.2.1]:25", t0, t0.plusMillis(3200), 1, "2.0.0",
                        DeliveryLog.Status.SENT, "250 2.0.0 Ok"));
    }
}
