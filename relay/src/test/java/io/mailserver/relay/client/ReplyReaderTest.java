package io.mailserver.relay.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ReplyReaderTest {
    private static ReplyReader reader(String s) {
        return new ReplyReader(new ByteArrayInputStream(s.getBytes(StandardCharsets.ISO_8859_1)));
    }

    @Test
    void multiLineEhloAndFeatures() throws IOException {
        PeerReply r = reader("250-peer.test\r\n250-PIPELINING\r\n250-SIZE 1000\r\n250-AUTH=LOGIN\r\n250-AUTH PLAIN LOGIN\r\n250 8BITMIME\r\n").read();
        assertEquals(250, r.code());
        assertEquals(List.of("peer.test", "PIPELINING", "SIZE 1000", "AUTH=LOGIN", "AUTH PLAIN LOGIN", "8BITMIME"), r.lines());
        ServerFeatures f = ServerFeatures.parse(r);
        assertEquals(1000, f.sizeLimit());
        assertEquals(Set.of("PLAIN", "LOGIN"), f.authMechanisms());
        assertEquals(Set.of("PIPELINING", "SIZE", "AUTH", "8BITMIME"), f.keywords());
    }

    @Test
    void enhancedStatusFromTextOrDerived() throws IOException {
        assertEquals("5.1.1", reader("550 5.1.1 <x@y>: no such user\r\n").read().status());
        assertEquals("5.0.0", reader("550 no such user\r\n").read().status());
        assertEquals("4.1.1", reader("451 4.1.1 try later\r\n").read().status());
        assertEquals("4.0.0", reader("451 5.1.1 class mismatch\r\n").read().status());
        assertEquals("250 2.0.0 Ok queued", reader("250-2.0.0 Ok\r\n250 queued\r\n").read().oneLine());
        assertEquals("220", reader("220\r\n").read().oneLine());
    }

    @Test
    void malformedAndTruncatedRepliesFail() {
        assertThrows(IOException.class, () -> reader("hello\r\n").read());
        assertThrows(IOException.class, () -> reader("250-a\r\n251 b\r\n").read());
        assertThrows(IOException.class, () -> reader("250-a\r\n").read());
    }

    @Test
    void controlCharactersNeverReachLogs() throws IOException {
        assertEquals("550 bad?thing", reader("550 bad\u0007thing\r\n").read().oneLine());
    }
}
