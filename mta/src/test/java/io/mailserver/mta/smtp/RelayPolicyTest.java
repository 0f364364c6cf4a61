package io.mailserver.mta.smtp;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class RelayPolicyTest {
    @ParameterizedTest(name = "local={0} trusted={1} auth={2} -> {3}")
    @CsvSource({
        "true,  false, false, LOCAL",
        "true,  true,  false, LOCAL",
        "true,  false, true,  LOCAL",
        "true,  true,  true,  LOCAL",
        "false, false, false, DENY",
        "false, true,  false, RELAY",
        "false, false, true,  RELAY",
        "false, true,  true,  RELAY",
    })
    void table(boolean local, boolean trusted, boolean auth, RelayPolicy.Decision expected) {
        assertEquals(expected, RelayPolicy.decide(local, trusted, auth));
    }
}
