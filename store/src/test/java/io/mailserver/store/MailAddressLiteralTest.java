package io.mailserver.store;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Address literals as RFC 5321 4.1.3 writes them. */
class MailAddressLiteralTest {
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {
        "[192.0.2.1]", "[0.0.0.0]", "[255.255.255.255]",
        "[IPv6:2001:db8:0:0:0:0:0:1]", "[IPv6:2001:db8::1]", "[IPv6:::1]", "[IPv6:::]", "[ipv6:FE80::ABCD]",
        "[IPv6:1:2:3:4:5:6::]", "[IPv6:::1:2:3:4:5:6]",
        "[IPv6:1:2:3:4:5:6:192.0.2.1]", "[IPv6:::ffff:192.0.2.1]", "[IPv6:::192.0.2.1]", "[IPv6:1:2:3:4::192.0.2.1]",
    })
    void accepted(String literal) {
        assertDoesNotThrow(() -> MailAddress.checkDomainOrLiteral(literal));
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {
        "[256.0.0.1]", "[1.2.3]", "[1.2.3.4.5]", "[192.0.2.1",
        "[IPv6:1:2:3:4:5:6:7:8:9]", "[IPv6:1:2:3:4:5:6:7]", "[IPv6:1::2::3]", "[IPv6:12345::1]", "[IPv6::1]",
        "[IPv6:1:]", "[IPv6:1:2:3:4:5:6:7::]", "[IPv6:zz::1]", "[IPv6:]", "[IPv6:1.2.3.4]",
        "[IPv6:1:2:3:4:5:192.0.2.1]", "[IPv6:1:2:3:4:5::192.0.2.1]", "[IPv6:::ffff:192.0.2]", "[IPv6:::1:]",
    })
    void refused(String literal) {
        assertThrows(IllegalArgumentException.class, () -> MailAddress.checkDomainOrLiteral(literal));
    }
}
