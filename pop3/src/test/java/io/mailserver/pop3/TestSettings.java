package io.mailserver.pop3;

import java.time.Duration;
import java.util.Optional;

final class TestSettings {
    private TestSettings() {
    }

    static Pop3Settings core() {
        return new Pop3Settings("pop.example.test", Optional.of("example.test"), Duration.ofMinutes(10), Duration.ofMinutes(15),
                20, 5, Duration.ofMinutes(15), 3, Duration.ofMillis(10), Duration.ofMillis(80), Duration.ofMillis(5));
    }
}
