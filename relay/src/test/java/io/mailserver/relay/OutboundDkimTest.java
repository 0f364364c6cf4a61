package io.mailserver.relay;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.mailserver.mailauth.dkim.HeaderField;
import java.net.InetAddress;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

/** Which outgoing messages are the local domains' own to sign: a table of header sections. */
class OutboundDkimTest {
    private static final Predicate<InetAddress> TRUSTED = a -> a.getHostAddress().startsWith("10.");

    private static Optional<String> decide(String... fields) {
        List<HeaderField> headers = Arrays.stream(fields).map(f -> new HeaderField(f + "\r\n")).toList();
        return OutboundDkim.decide(headers, TRUSTED).domain();
    }

    @Test
    void signsAuthenticatedTrustedAndServerWrittenMail() {
        assertEquals(Optional.of("example.org"), decide("Received: from pc ([192.0.2.7])\r\n\tby mx.example.org with ESMTPSA id 1", "From: Alice <alice@Example.ORG>"));
        assertEquals(Optional.of("example.org"), decide("Received: from pc ([192.0.2.7])\r\n\tby mx with ESMTPA id 1", "From: alice@example.org"));
        assertEquals(Optional.of("example.org"), decide("Received: from app ([10.1.2.3])\r\n\tby mx with ESMTP id 1", "From: alice@example.org (Alice)"));
        // no Received field: written by the server itself (a bounce); the key is then looked up for mx.example.org, then example.org
        assertEquals(Optional.of("mx.example.org"), decide("From: Mail Delivery System <MAILER-DAEMON@mx.example.org>"));
        assertEquals(Optional.of("example.org"), decide("Authentication-Results: mx; spf=pass", "Received: from pc ([192.0.2.7]) by mx with ESMTPSA id 1",
                "Received: from older.example ([198.51.100.1]) by x with ESMTP", "From: \"Doe, Jane\" <jane@example.org>"));
    }

    @Test
    void leavesOutsideMailAndAmbiguousFromAlone() {
        assertEquals(Optional.empty(), decide("Received: from outside ([192.0.2.7])\r\n\tby mx with ESMTPS id 1", "From: alice@example.org"));
        assertEquals(Optional.empty(), decide("Received: from outside ([IPv6:2001:db8::1]) by mx with ESMTP id 1", "From: alice@example.org"));
        assertEquals(Optional.empty(), decide("From: a@example.org, b@example.org"));
        assertEquals(Optional.empty(), decide("From: a@example.org", "From: b@example.org"));
        assertEquals(Optional.empty(), decide("Subject: no from"));
        assertEquals(Optional.empty(), decide("From: undisclosed-recipients:;"));
        assertEquals(Optional.empty(), decide("From: <alice@[192.0.2.1]>"));
    }
}
